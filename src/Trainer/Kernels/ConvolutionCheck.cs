using MLNet.UNet.Networks;
using static TorchSharp.torch;

namespace MLNet.UNet.Kernels;

/// <summary>The outcome of checking one route for one convolution shape against float64.</summary>
/// <param name="Shape">The shape checked.</param>
/// <param name="Route">The route checked.</param>
/// <param name="MaxRelativeError">
/// Largest of the forward, input-gradient and weight-gradient errors, each the largest |float32 - float64| over the
/// largest |float64|; infinity when anything was NaN or infinite.
/// </param>
/// <param name="Passed">True when the error is at most <see cref="ConvolutionCheck.Tolerance"/>.</param>
public sealed record KernelCheck(ConvolutionShape Shape, ConvolutionRoute Route, double MaxRelativeError, bool Passed);

/// <summary>
/// Checks that a route computes a convolution shape right on this machine: the forward pass, the input gradient
/// and the weight gradient at float32, along the route, against float64 (which libtorch never sends to oneDNN), on
/// a batch of two 12 x 12 images in the shape's memory layout.
/// </summary>
public static class ConvolutionCheck
{
    /// <summary>Largest relative error accepted from float32 arithmetic.</summary>
    public const double Tolerance = 1e-3;

    const int Size = 12;

    /// <summary>Runs the check. <paramref name="run"/> computes the route (the router passes its own, fault injection included).</summary>
    internal static KernelCheck Run(ConvolutionShape shape, ConvolutionRoute route, Func<ConvolutionShape, Tensor, Tensor, Tensor?, Tensor> run)
    {
        Runtime.TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        using var gradients = enable_grad(); // the first use of a shape may come from inference under no_grad
        var generator = new Generator((ulong)StableHash(shape.Key));
        int inputSize = shape.Kind == ConvolutionKind.Convolution ? Size : Size / shape.Stride;
        long[] weightShape = shape.Kind == ConvolutionKind.Convolution
            ? [shape.OutputChannels, shape.InputChannels, shape.KernelSize, shape.KernelSize]
            : [shape.InputChannels, shape.OutputChannels, shape.KernelSize, shape.KernelSize];
        var input = randn([2, shape.InputChannels, inputSize, inputSize], dtype: ScalarType.Float64, generator: generator);
        var weight = randn(weightShape, dtype: ScalarType.Float64, generator: generator)
            .div(Math.Sqrt((double)shape.KernelSize * shape.KernelSize * shape.InputChannels));
        var bias = shape.Bias ? randn([shape.OutputChannels], dtype: ScalarType.Float64, generator: generator).mul(0.1) : null;

        var reference = Differentiate(input, weight, bias, (x, w, b) => ConvolutionRoutes.Direct(shape, x, w, b), generator, upstream: null);
        var actual = Differentiate(Layout(input.to(ScalarType.Float32), shape), weight.to(ScalarType.Float32), bias?.to(ScalarType.Float32),
            (x, w, b) => run(shape, x, w, b), generator: null, upstream: Layout(reference.Upstream.to(ScalarType.Float32), shape));
        double error = new[]
        {
            RelativeError(actual.Output, reference.Output),
            RelativeError(actual.InputGradient, reference.InputGradient),
            RelativeError(actual.WeightGradient, reference.WeightGradient),
        }.Max();
        return new KernelCheck(shape, route, error, error <= Tolerance);
    }

    static Tensor Layout(Tensor activations, ConvolutionShape shape) =>
        shape.ChannelsLast ? MemoryLayout.ToChannelsLast(activations) : activations;

    sealed record Gradients(Tensor Output, Tensor InputGradient, Tensor WeightGradient, Tensor Upstream);

    static Gradients Differentiate(Tensor input, Tensor weight, Tensor? bias, Func<Tensor, Tensor, Tensor?, Tensor> convolve,
        Generator? generator, Tensor? upstream)
    {
        var x = input.detach().requires_grad_(true);
        var w = weight.detach().requires_grad_(true);
        var b = bias?.detach().requires_grad_(true);
        var output = convolve(x, w, b);
        upstream ??= randn(output.shape, dtype: output.dtype, generator: generator);
        output.backward([upstream]);
        return new Gradients(output.detach(), x.grad!.detach(), w.grad!.detach(), upstream);
    }

    internal static double RelativeError(Tensor actual, Tensor reference)
    {
        double scale = reference.abs().max().item<double>();
        double error = actual.to(ScalarType.Float64).sub(reference).abs().max().item<double>();
        return double.IsFinite(error) ? error / Math.Max(scale, 1e-12) : double.PositiveInfinity;
    }

    // string.GetHashCode is randomized per process; the check's data must be the same in every process.
    static long StableHash(string text)
    {
        ulong hash = 14695981039346656037;
        foreach (char c in text)
            hash = (hash ^ c) * 1099511628211;
        return (long)(hash >> 1);
    }
}
