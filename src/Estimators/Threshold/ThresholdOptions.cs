namespace MLNet.UNet.Threshold;

/// <summary>What <see cref="ThresholdTransformer"/> writes for each pixel.</summary>
public enum MaskFormat
{
    /// <summary>Single values 0 and 1.</summary>
    Float,

    /// <summary>Byte values 0 and 255, ready for ConvertToImage.</summary>
    Byte,
}

/// <summary>Options of <see cref="ThresholdEstimator"/>.</summary>
public sealed class ThresholdOptions
{
    /// <summary>Column of probabilities (a known-size vector of Single), e.g. the output of UNetSegment.</summary>
    public string InputColumnName = "Probability";

    /// <summary>Column the binary mask is written to, with the same shape as the input.</summary>
    public string OutputColumnName = "PredictedMask";

    /// <summary>A pixel is foreground when its probability is strictly above this value, which must be in (0, 1).</summary>
    public float Threshold = 0.5f;

    /// <summary>Format of the mask values.</summary>
    public MaskFormat Format = MaskFormat.Float;
}
