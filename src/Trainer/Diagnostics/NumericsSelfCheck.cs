using MLNet.UNet.Losses;
using MLNet.UNet.Networks;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.UNet.Diagnostics;

/// <summary>One comparison of float32 results against a float64 reference.</summary>
/// <param name="Case">What was computed.</param>
/// <param name="MaxRelativeError">Largest |float32 - float64| divided by the largest |float64|.</param>
/// <param name="Passed">True when the error is within tolerance and everything is finite.</param>
public sealed record NumericsCheckResult(string Case, double MaxRelativeError, bool Passed);

/// <summary>
/// Checks that libtorch computes convolutions and their gradients correctly on this machine, by comparing float32
/// work (oneDNN's kernels) with float64 work (a separate code path). On machines where oneDNN's AVX-512 kernels
/// were wrong, this is what tells: errors of order 1 or NaN instead of 1e-6.
/// </summary>
public static class NumericsSelfCheck
{
    /// <summary>Largest relative error accepted from float32 arithmetic.</summary>
    public const double Tolerance = 1e-3;

    /// <summary>
    /// A 3x3 'same' convolution and its input gradient, for every input channel count in
    /// [<paramref name="fromChannels"/>, <paramref name="toChannels"/>].
    /// </summary>
    public static IReadOnlyList<NumericsCheckResult> Convolutions(int fromChannels = 1, int toChannels = 100, int outputChannels = 24, int size = 12)
    {
        Runtime.TorchRuntime.EnsureInitialized();
        var results = new List<NumericsCheckResult>();
        var generator = new Generator(1234);
        for (int channels = fromChannels; channels <= toChannels; channels++)
        {
            using var scope = NewDisposeScope();
            var input = randn([2, channels, size, size], dtype: ScalarType.Float64, generator: generator);
            var weight = randn([outputChannels, channels, 3, 3], dtype: ScalarType.Float64, generator: generator).div(Math.Sqrt(9.0 * channels));
            var upstream = randn([2, outputChannels, size, size], dtype: ScalarType.Float64, generator: generator);
            var (output64, gradient64) = ConvolveWithGradient(input, weight, upstream);
            var (output32, gradient32) = ConvolveWithGradient(input.to(ScalarType.Float32), weight.to(ScalarType.Float32), upstream.to(ScalarType.Float32));
            double error = Math.Max(RelativeError(output32, output64), RelativeError(gradient32, gradient64));
            results.Add(new NumericsCheckResult($"conv3x3 {channels}->{outputChannels} channels, output and input gradient", error, error <= Tolerance));
        }
        return results;
    }

    /// <summary>Input and weight gradients of a whole U-Net (BCE+Dice loss) at float32 against float64.</summary>
    public static NumericsCheckResult UNetGradient(int baseFilters, int depth = 3, int size = 32, int seed = 7)
    {
        Runtime.TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        random.manual_seed(seed);
        using var network = new UNetNetwork(new UNetOptions { Depth = depth, BaseFilters = baseFilters });
        var generator = new Generator((ulong)seed);
        var input = randn([2, 1, size, size], dtype: ScalarType.Float64, generator: generator);
        var mask = rand([2, size, size], dtype: ScalarType.Float64, generator: generator).gt(0.5).to(ScalarType.Float64);
        var (input32, weights32) = Gradients(network, input.to(ScalarType.Float32), mask.to(ScalarType.Float32));
        network.to(ScalarType.Float64);
        var (input64, weights64) = Gradients(network, input, mask);
        double error = Math.Max(RelativeError(input32, input64), RelativeError(weights32, weights64));
        return new NumericsCheckResult($"U-Net base {baseFilters} depth {depth}, input and weight gradients", error, error <= Tolerance);
    }

    static (Tensor Output, Tensor InputGradient) ConvolveWithGradient(Tensor input, Tensor weight, Tensor upstream)
    {
        var x = input.detach().requires_grad_(true);
        var output = functional.conv2d(x, weight, padding: [1, 1]);
        output.backward([upstream]);
        return (output.detach(), x.grad!.detach());
    }

    static (Tensor Input, Tensor Weights) Gradients(UNetNetwork network, Tensor input, Tensor mask)
    {
        network.zero_grad();
        var x = input.detach().requires_grad_(true);
        var loss = new LossFunction(SegmentationLoss.BinaryCrossEntropyPlusDice).Compute(network.forward(x), mask);
        loss.backward();
        var weights = cat(network.parameters().Select(p => p.grad!.flatten().to(ScalarType.Float64)).ToArray(), 0);
        return (x.grad!.detach().to(ScalarType.Float64), weights);
    }

    static double RelativeError(Tensor actual, Tensor reference)
    {
        double scale = reference.abs().max().item<double>();
        double error = actual.to(ScalarType.Float64).sub(reference).abs().max().item<double>();
        return double.IsFinite(error) ? error / Math.Max(scale, 1e-12) : double.PositiveInfinity;
    }
}
