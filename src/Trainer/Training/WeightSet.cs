using MLNet.UNet.Networks;
using static TorchSharp.torch;

namespace MLNet.UNet.Training;

/// <summary>Copies of a network's weights by state-dict name, outside any dispose scope: the best and the averaged weights.</summary>
internal static class WeightSet
{
    /// <summary>Detached copies of <paramref name="weights"/>; the caller owns them.</summary>
    public static Dictionary<string, Tensor> Clone(IReadOnlyDictionary<string, Tensor> weights)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return weights.ToDictionary(entry => entry.Key, entry => entry.Value.detach().clone().DetachFromDisposeScope());
    }

    /// <summary>Puts <paramref name="weights"/> into the network, in place.</summary>
    public static void CopyInto(UNetNetwork network, IReadOnlyDictionary<string, Tensor> weights)
    {
        using var noGrad = no_grad();
        foreach (var (name, value) in network.state_dict())
            value.copy_(weights[name]);
    }

    /// <summary>Frees the native memory of every tensor of the set.</summary>
    public static void Dispose(Dictionary<string, Tensor> weights)
    {
        foreach (var tensor in weights.Values)
            tensor.Dispose();
    }
}
