using static TorchSharp.torch;

namespace MLNet.UNet.Kernels;

/// <summary>Computes a convolution along a given <see cref="ConvolutionRoute"/>; every route gives the same result.</summary>
public static class ConvolutionRoutes
{
    /// <summary>Input channel counts oneDNN was right for on one AMD Zen 5 under the AVX2 cap: 1-8 and multiples of 8 (the <see cref="ConvolutionRoute.PaddedChannels"/> route's target).</summary>
    public const int ChannelMultiple = 8;

    /// <summary>
    /// The input channel count the <see cref="ConvolutionRoute.PaddedChannels"/> route computes with:
    /// <paramref name="inputChannels"/> rounded up to a multiple of <see cref="ChannelMultiple"/>.
    /// </summary>
    public static int PaddedInputChannels(int inputChannels) =>
        (inputChannels + ChannelMultiple - 1) / ChannelMultiple * ChannelMultiple;

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
        long channels = input.shape[1];
        long extra = PaddedInputChannels((int)channels) - channels;
        if (extra == 0)
            return Direct(shape, input, weight, bias);
        // Zero input channels meet zero weights, so the sum is unchanged; the gradients of the real channels are
        // the slices of the padded ones.
        using var paddedInput = nn.functional.pad(input, [0, 0, 0, 0, 0, extra]);
        long[] weightPadding = shape.Kind == ConvolutionKind.Convolution ? [0, 0, 0, 0, 0, extra] : [0, 0, 0, 0, 0, 0, 0, extra];
        using var paddedWeight = nn.functional.pad(weight, weightPadding);
        return Direct(shape, paddedInput, paddedWeight, bias);
    }
}
