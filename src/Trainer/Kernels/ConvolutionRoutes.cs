using MLNet.UNet.Networks;
using static TorchSharp.torch;

namespace MLNet.UNet.Kernels;

/// <summary>Computes a convolution along a given <see cref="ConvolutionRoute"/>; every route gives the same result.</summary>
public static class ConvolutionRoutes
{
    /// <summary>
    /// The channel counts the <see cref="ConvolutionRoute.PaddedChannels"/> route rounds up to a multiple of, in and out:
    /// under the AVX2 cap oneDNN was right for multiples of 8 on every processor measured, and wrong on one AMD Zen 5
    /// for input counts that were not, on another for output counts that were not (mostly from one input channel).
    /// </summary>
    public const int ChannelMultiple = 8;

    /// <summary><paramref name="channels"/> rounded up to a multiple of <see cref="ChannelMultiple"/>.</summary>
    public static int PaddedChannelCount(int channels) =>
        (channels + ChannelMultiple - 1) / ChannelMultiple * ChannelMultiple;

    /// <summary>
    /// Applies the convolution <paramref name="shape"/> describes to <paramref name="input"/> along
    /// <paramref name="route"/>, with autograd support on every route.
    /// </summary>
    /// <param name="route">How to compute it.</param>
    /// <param name="shape">Kind, stride and padding (the channel counts are those of the tensors).</param>
    /// <param name="input">N x C x H x W activations.</param>
    /// <param name="weight">Cout x Cin x k x k (ordinary) or Cin x Cout x k x k (transposed).</param>
    /// <param name="bias">Optional bias of Cout values.</param>
    public static Tensor Run(ConvolutionRoute route, ConvolutionShape shape, Tensor input, Tensor weight, Tensor? bias) => route switch
    {
        ConvolutionRoute.OneDnn => Direct(shape, input, weight, bias),
        ConvolutionRoute.PaddedChannels => Padded(shape, input, weight, bias),
        ConvolutionRoute.Reference => ReferenceConvolution.Apply(shape, input, weight, bias),
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, "Unknown convolution route."),
    };

    /// <summary>The convolution as libtorch dispatches it by itself.</summary>
    internal static Tensor Direct(ConvolutionShape shape, Tensor input, Tensor weight, Tensor? bias) =>
        shape.Kind == ConvolutionKind.Convolution
            ? nn.functional.conv2d(input, weight, bias, strides: [shape.Stride, shape.Stride], padding: [shape.Padding, shape.Padding])
            : nn.functional.conv_transpose2d(input, weight, bias, strides: [shape.Stride, shape.Stride], padding: [shape.Padding, shape.Padding]);

    static Tensor Padded(ConvolutionShape shape, Tensor input, Tensor weight, Tensor? bias)
    {
        bool transposed = shape.Kind == ConvolutionKind.Transposed;
        int inputChannels = (int)input.shape[1];
        int outputChannels = (int)weight.shape[transposed ? 1 : 0];
        long extraIn = PaddedChannelCount(inputChannels) - inputChannels;
        long extraOut = PaddedChannelCount(outputChannels) - outputChannels;
        if (extraIn == 0 && extraOut == 0)
            return Direct(shape, input, weight, bias);
        // Zero input channels meet zero weights, so the sum is unchanged; extra output channels are computed from
        // zero weights and cut off. The real channels' gradients are the slices of the padded ones.
        // A pad of zero would still copy the tensor, so only what grows is padded.
        using var paddedInput = extraIn == 0 ? null : nn.functional.pad(input, [0, 0, 0, 0, 0, extraIn]);
        long[] weightPadding = transposed ? [0, 0, 0, 0, 0, extraOut, 0, extraIn] : [0, 0, 0, 0, 0, extraIn, 0, extraOut];
        using var paddedWeight = nn.functional.pad(weight, weightPadding);
        using var paddedBias = bias is null || extraOut == 0 ? null : nn.functional.pad(bias, [0, extraOut]);
        var output = Direct(shape, paddedInput ?? input, paddedWeight, paddedBias ?? bias);
        if (extraOut == 0)
            return output;
        using (output)
        using (var kept = output.narrow(1, 0, outputChannels))
            return MemoryLayout.IsChannelsLast(output) ? MemoryLayout.ToChannelsLast(kept) : kept.contiguous();
    }
}
