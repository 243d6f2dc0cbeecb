using System.Text.Json.Nodes;
using MLNet.UNet.Networks;

namespace MLNet.UNet.Bench;

/// <summary>A network and the image size and training batch it is benchmarked at.</summary>
sealed record BenchNetwork(string Name, string Description, UNetOptions Network, int Size, int Batch)
{
    /// <summary>The network presets of the suite: the Keras seed, small and medium (the liver recipe's), at their usual sizes.</summary>
    public static readonly BenchNetwork[] All =
    [
        new("seed", "seed preset (base 32, depth 5)", UNetOptions.Preset("seed"), 256, 4),
        new("small", "small preset (base 16, depth 4, batch norm)", UNetOptions.Preset("small"), 128, 8),
        new("medium", "medium preset (base 24, depth 5, batch norm)", UNetOptions.Preset("medium"), 128, 8),
    ];

    /// <summary>
    /// Variants a child case measures when named (<c>--case train --network medium-ds</c>), outside the suite's runs: the
    /// medium preset with the deep supervision a recipe may add (three lower levels), for its cost per training step.
    /// </summary>
    public static readonly BenchNetwork[] OnRequest =
    [
        new("medium-ds", "medium preset with deep supervision (3 lower levels)", WithDeepSupervision(UNetOptions.Preset("medium"), 3), 128, 8),
    ];

    /// <summary>Finds a network by <see cref="Name"/>, in <see cref="All"/> or <see cref="OnRequest"/>.</summary>
    public static BenchNetwork Named(string name) =>
        All.Concat(OnRequest).FirstOrDefault(n => n.Name == name)
        ?? throw new ArgumentException($"Unknown network '{name}'; expected {string.Join(", ", All.Concat(OnRequest).Select(n => n.Name))}.");

    static UNetOptions WithDeepSupervision(UNetOptions network, int outputs)
    {
        network.DeepSupervisionOutputs = outputs;
        return network;
    }

    /// <summary>The network as the PyTorch script's --network argument.</summary>
    public string ToPythonJson() => new JsonObject
    {
        ["in_channels"] = Network.InputChannels, ["base"] = Network.BaseFilters, ["depth"] = Network.Depth,
        ["batch_norm"] = Network.BatchNorm, ["size"] = Size, ["batch"] = Batch,
    }.ToJsonString();

    /// <summary>
    /// Floating-point operations of the 3x3 and 1x1 convolutions in one forward pass of one image (2 per
    /// multiply-add); pooling, upsampling, batch norm and activations are left out, they are memory-bound.
    /// </summary>
    public double ForwardConvFlops()
    {
        double flops = 0;
        long channels = Network.InputChannels, size = Size;
        for (int level = 0; level <= Network.Depth; level++)
        {
            long filters = Network.FiltersAt(level);
            flops += Conv3x3(channels, filters, size) + Conv3x3(filters, filters, size);
            channels = filters;
            if (level < Network.Depth)
                size /= 2;
        }
        for (int level = Network.Depth - 1; level >= 0; level--)
        {
            size *= 2;
            long filters = Network.FiltersAt(level);
            flops += Conv3x3(channels + filters, filters, size) + Conv3x3(filters, filters, size);
            channels = filters;
        }
        return flops + 2.0 * channels * Network.OutputClasses * Size * Size;
    }

    /// <summary>
    /// Convolution operations of one training image: the forward pass, the weight gradients (as many again) and
    /// the input gradients (as many again, except for the first convolution, whose input needs none).
    /// </summary>
    public double TrainingConvFlops() => 3 * ForwardConvFlops() - Conv3x3(Network.InputChannels, Network.BaseFilters, Size);

    static double Conv3x3(long input, long output, long size) => 2.0 * input * output * 9 * size * size;
}
