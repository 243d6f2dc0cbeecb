using MLNet.UNet.Kernels;
using MLNet.UNet.Losses;
using MLNet.UNet.Networks;
using MLNet.UNet.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.UNet.Diagnostics;

/// <summary>One comparison of float32 results against a float64 reference.</summary>
/// <param name="Case">What was computed.</param>
/// <param name="MaxRelativeError">Largest |float32 - float64| divided by the largest |float64|.</param>
/// <param name="Passed">True when the error is within tolerance and everything is finite.</param>
public sealed record NumericsCheckResult(string Case, double MaxRelativeError, bool Passed);

/// <summary>For one convolution shape: what raw oneDNN computes, and the route the engine takes with its check.</summary>
/// <param name="Shape">The shape.</param>
/// <param name="OneDnn">oneDNN as libtorch dispatches it, checked now.</param>
/// <param name="Route">The route the engine takes for the shape.</param>
/// <param name="RouteCheck">That route, checked now.</param>
/// <param name="Forced">True when the route was forced (<see cref="TorchRuntime.ForcedConvolutionRoute"/>) rather than chosen by checks.</param>
public sealed record ShapeReport(ConvolutionShape Shape, KernelCheck OneDnn, ConvolutionRoute Route, KernelCheck RouteCheck, bool Forced)
{
    /// <summary>True when what the engine runs for this shape is right.</summary>
    public bool Passed => RouteCheck.Passed;
}

/// <summary>
/// Checks that what the engine computes on this machine is right: each convolution shape along the route the
/// engine takes for it (and raw oneDNN beside it, to show the kernel faults the routes avoid), and whole U-Net
/// gradients, float32 against float64. <c>unet doctor</c> prints these.
/// </summary>
public static class NumericsSelfCheck
{
    /// <summary>Largest relative error accepted from float32 arithmetic.</summary>
    public const double Tolerance = ConvolutionCheck.Tolerance;

    /// <summary>
    /// Checks one shape now, bypassing the check cache: raw oneDNN and the route the engine takes. When no route is
    /// right, the report carries the last route tried, failed.
    /// </summary>
    public static ShapeReport Shape(ConvolutionShape shape, ConvolutionRouter? router = null)
    {
        router ??= ConvolutionRouter.Shared;
        var forced = TorchRuntime.ForcedConvolutionRoute;
        ConvolutionRoute route;
        try
        {
            route = router.RouteFor(shape);
        }
        catch (ConvolutionKernelException e)
        {
            return new ShapeReport(shape, e.Checks[0], e.Checks[^1].Route, e.Checks[^1], false);
        }
        var oneDnn = router.Check(shape, ConvolutionRoute.OneDnn);
        var routeCheck = route == ConvolutionRoute.OneDnn ? oneDnn : router.Check(shape, route);
        return new ShapeReport(shape, oneDnn, route, routeCheck, forced is not null);
    }

    /// <summary>
    /// A 3x3 'same' convolution to <paramref name="outputChannels"/> for every input channel count in
    /// [<paramref name="fromChannels"/>, <paramref name="toChannels"/>], in the layout the network runs (channels-last).
    /// </summary>
    public static IReadOnlyList<ShapeReport> ChannelSweep(int fromChannels = 1, int toChannels = 100, int outputChannels = 24, ConvolutionRouter? router = null) =>
        Sweep(fromChannels, toChannels, channels => ConvolutionShape.Same(channels, outputChannels, 3, bias: false), router);

    /// <summary>
    /// A 3x3 'same' convolution from <paramref name="inputChannels"/> (by default one: a grayscale network's input
    /// layer) for every output channel count in [<paramref name="fromChannels"/>, <paramref name="toChannels"/>],
    /// keyed channels-last (with one input channel libtorch computes it in NCHW either way). The input sweep does not
    /// show every fault: on an AMD Zen 5 (family 26 model 2) under the AVX2 cap, oneDNN was right for every input
    /// count to 24 outputs but wrong for one input channel to any output count that is not a multiple of 8.
    /// </summary>
    public static IReadOnlyList<ShapeReport> OutputChannelSweep(int fromChannels = 1, int toChannels = 32, int inputChannels = 1, ConvolutionRouter? router = null) =>
        Sweep(fromChannels, toChannels, channels => ConvolutionShape.Same(inputChannels, channels, 3, bias: false), router);

    static List<ShapeReport> Sweep(int fromChannels, int toChannels, Func<int, ConvolutionShape> shapeOf, ConvolutionRouter? router) =>
        Enumerable.Range(fromChannels, toChannels - fromChannels + 1).Select(channels => Shape(shapeOf(channels), router)).ToList();

    /// <summary>Every distinct convolution shape of the named network presets (<see cref="UNetOptions.Preset"/>).</summary>
    public static IReadOnlyList<ConvolutionShape> PresetShapes(int inputChannels = 1)
    {
        var shapes = new List<ConvolutionShape>();
        foreach (var name in UNetOptions.PresetNames)
        {
            using var network = new UNetNetwork(UNetOptions.Preset(name, inputChannels));
            shapes.AddRange(network.ConvolutionShapes);
        }
        return shapes.Distinct().ToList();
    }

    /// <summary>
    /// Input and weight gradients of a whole U-Net (BCE+Dice loss), as the engine computes them (channels-last,
    /// every convolution on its route), at float32 against float64.
    /// </summary>
    public static NumericsCheckResult UNetGradient(int baseFilters, int depth = 3, int size = 32, int seed = 7)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        random.manual_seed(seed);
        using var network = new UNetNetwork(new UNetOptions { Depth = depth, BaseFilters = baseFilters });
        network.PrepareConvolutionRoutes();
        var generator = new Generator((ulong)seed);
        var input = randn([2, 1, size, size], dtype: ScalarType.Float64, generator: generator);
        var mask = rand([2, size, size], dtype: ScalarType.Float64, generator: generator).gt(0.5).to(ScalarType.Float64);
        var (input32, weights32) = Gradients(network, input.to(ScalarType.Float32), mask.to(ScalarType.Float32));
        network.to(ScalarType.Float64);
        var (input64, weights64) = Gradients(network, input, mask);
        double error = Math.Max(ConvolutionCheck.RelativeError(input32, input64), ConvolutionCheck.RelativeError(weights32, weights64));
        return new NumericsCheckResult($"U-Net base {baseFilters} depth {depth}, input and weight gradients", error, error <= Tolerance);
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
}
