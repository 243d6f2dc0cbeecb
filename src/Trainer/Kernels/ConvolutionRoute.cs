namespace MLNet.UNet.Kernels;

/// <summary>How the engine computes one convolution shape on the CPU.</summary>
public enum ConvolutionRoute
{
    /// <summary>libtorch's default: oneDNN's JIT kernels. The fastest where they are right.</summary>
    OneDnn,

    /// <summary>
    /// oneDNN with input and output channels zero-padded up to multiples of 8: zero input channels meet zero weights,
    /// and the extra output channels are cut off, so the result is unchanged. Under the AVX2 cap one AMD Zen 5 was
    /// wrong for input counts that are not multiples of 8, another for output counts that are not (mostly from one
    /// input channel).
    /// </summary>
    PaddedChannels,

    /// <summary>
    /// libtorch's own convolution (oneDNN switched off for this call, forward and backward): right wherever float
    /// arithmetic is, about two to four times slower.
    /// </summary>
    Reference,
}
