using MLNet.UNet.Networks;
using static TorchSharp.torch;

namespace MLNet.UNet.Training;

/// <summary>
/// An exponential moving average of a network's weights and batch-norm statistics, updated after every optimizer
/// step. Until 1 / (1 - decay) steps have passed it is the plain mean of the steps so far, so the random initial
/// weights do not linger in it. Integer buffers (batch-norm step counts) are copied, not averaged.
/// </summary>
internal sealed class WeightAverage : IDisposable
{
    readonly double decay;
    readonly Dictionary<string, Tensor> averages;

    WeightAverage(double decay, Dictionary<string, Tensor> averages, long updates)
    {
        this.decay = decay;
        this.averages = averages;
        Updates = updates;
    }

    /// <summary>Optimizer steps averaged so far.</summary>
    public long Updates { get; private set; }

    /// <summary>The averaged tensors, by state-dict name.</summary>
    public IReadOnlyDictionary<string, Tensor> Values => averages;

    /// <summary>Starts an average at the network's current weights, counted as zero updates.</summary>
    public static WeightAverage Start(UNetNetwork network, double decay) => new(decay, WeightSet.Clone(network.state_dict()), 0);

    /// <summary>Continues an average read from a checkpoint; takes ownership of <paramref name="values"/>.</summary>
    public static WeightAverage Resume(Dictionary<string, Tensor> values, double decay, long updates) => new(decay, values, updates);

    /// <summary>Folds the network's current weights into the average.</summary>
    public void Update(UNetNetwork network)
    {
        Updates++;
        double weight = Math.Min(decay, 1 - 1.0 / Updates);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (name, value) in network.state_dict())
        {
            var average = averages[name];
            if (average.is_floating_point())
                average.mul_(weight).add_(value, alpha: 1 - weight);
            else
                average.copy_(value);
        }
    }

    /// <summary>Puts the averaged weights into the network until the returned scope is disposed.</summary>
    public IDisposable Apply(UNetNetwork network)
    {
        var own = WeightSet.Clone(network.state_dict());
        WeightSet.CopyInto(network, averages);
        return new Restore(network, own);
    }

    /// <summary>Puts the averaged weights into the network for good.</summary>
    public void CopyTo(UNetNetwork network) => WeightSet.CopyInto(network, averages);

    /// <inheritdoc />
    public void Dispose() => WeightSet.Dispose(averages);

    sealed class Restore(UNetNetwork network, Dictionary<string, Tensor> own) : IDisposable
    {
        public void Dispose()
        {
            WeightSet.CopyInto(network, own);
            WeightSet.Dispose(own);
        }
    }
}
