namespace MLNet.UNet.Kernels;

/// <summary>Whether a convolution is an ordinary one or a transposed one (learned upsampling).</summary>
public enum ConvolutionKind
{
    /// <summary>An ordinary convolution (<c>conv2d</c>).</summary>
    Convolution,

    /// <summary>A transposed convolution (<c>conv_transpose2d</c>).</summary>
    Transposed,
}

/// <summary>
/// Everything about a 2D convolution that decides which CPU kernel libtorch runs for it: kind, channel counts,
/// square kernel, stride, padding and the activations' memory layout. Batch and image size are not part of it; the
/// kernel check runs at a small size.
/// </summary>
/// <param name="Kind">Ordinary or transposed.</param>
/// <param name="InputChannels">Channels of the input activations.</param>
/// <param name="OutputChannels">Channels of the output activations.</param>
/// <param name="KernelSize">Height and width of the kernel.</param>
/// <param name="Stride">Stride in both directions.</param>
/// <param name="Padding">Zero padding on each side.</param>
/// <param name="Bias">True when the layer adds a bias (layers followed by batch norm have none).</param>
/// <param name="ChannelsLast">True when the activations are NHWC in memory, false for NCHW.</param>
public readonly record struct ConvolutionShape(
    ConvolutionKind Kind, int InputChannels, int OutputChannels, int KernelSize, int Stride, int Padding, bool Bias, bool ChannelsLast)
{
    /// <summary>A 'same' convolution with an odd kernel and stride 1 (the U-Net's 3x3 and 1x1 layers).</summary>
    public static ConvolutionShape Same(int inputChannels, int outputChannels, int kernelSize, bool bias, bool channelsLast = true) =>
        new(ConvolutionKind.Convolution, inputChannels, outputChannels, kernelSize, 1, kernelSize / 2, bias, channelsLast);

    /// <summary>A transposed convolution that upsamples by <paramref name="factor"/> (kernel = stride = factor).</summary>
    public static ConvolutionShape Upsampling(int inputChannels, int outputChannels, int factor, bool channelsLast = true) =>
        new(ConvolutionKind.Transposed, inputChannels, outputChannels, factor, factor, 0, Bias: true, channelsLast);

    /// <summary>The same shape in the other memory layout.</summary>
    public ConvolutionShape WithLayout(bool channelsLast) => this with { ChannelsLast = channelsLast };

    /// <summary>A stable text key, used in the on-disk cache of kernel checks.</summary>
    public string Key =>
        $"{(Kind == ConvolutionKind.Convolution ? "conv" : "convT")}{KernelSize}x{KernelSize}/s{Stride}/p{Padding}/{InputChannels}->{OutputChannels}/{(Bias ? "bias" : "nobias")}/{(ChannelsLast ? "nhwc" : "nchw")}";

    /// <inheritdoc />
    public override string ToString() =>
        $"{(Kind == ConvolutionKind.Convolution ? "conv" : "transposed conv")} {KernelSize}x{KernelSize}" +
        (Stride != 1 ? $" stride {Stride}" : "") + $" {InputChannels}->{OutputChannels} channels, {(ChannelsLast ? "NHWC" : "NCHW")}";
}
