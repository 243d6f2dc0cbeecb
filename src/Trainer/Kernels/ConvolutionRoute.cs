namespace MLNet.UNet.Kernels;

/// <summary>How the engine computes one convolution shape on the CPU.</summary>
public enum ConvolutionRoute
{
    /// <summary>libtorch's default: oneDNN's JIT kernels. The fastest where they are right.</summary>
    OneDnn,

    /// <summary>
    /// oneDNN on input channels zero-padded up to a multiple of 8 (the weights get matching zero channels, so the
    /// result is unchanged). On one AMD Zen 5 with oneDNN capped to AVX2, only input channel counts of 1-8 and
    /// multiples of 8 computed right (on another, the faults were in small output counts, which padding does not mend).
    /// </summary>
    PaddedChannels,

    /// <summary>
    /// libtorch's own convolution (oneDNN switched off for this call, forward and backward): right wherever float
    /// arithmetic is, about two to four times slower.
    /// </summary>
    Reference,
}
