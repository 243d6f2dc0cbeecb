namespace MLNet.UNet.Networks;

/// <summary>How the decoder doubles the spatial size before concatenating the skip connection.</summary>
public enum UpsamplingMode
{
    /// <summary>2x nearest-neighbour upsampling, no weights (the seed network).</summary>
    Nearest,

    /// <summary>2x2 transposed convolution with stride 2 that also halves the channel count.</summary>
    TransposedConvolution,
}
