namespace MLNet.UNet.Medical.Volumes;

/// <summary>How <see cref="IntensityNormalization"/> scales the clipped intensities.</summary>
public enum IntensityScaling
{
    /// <summary>Zero mean, unit standard deviation over the volume.</summary>
    ZScore,

    /// <summary>The clipping range mapped to [0, 1].</summary>
    UnitRange,
}

/// <summary>
/// Per-volume MRI intensity normalization: clip to percentiles of the volume's own intensities (MR signal has no
/// absolute scale and a few very bright voxels), then z-score or [0, 1].
/// </summary>
public sealed class IntensityNormalization
{
    /// <summary>Lower clipping percentile, 0..100.</summary>
    public double LowerPercentile { get; set; } = 0.5;

    /// <summary>Upper clipping percentile, 0..100.</summary>
    public double UpperPercentile { get; set; } = 99.5;

    /// <summary>Scaling after clipping.</summary>
    public IntensityScaling Scaling { get; set; } = IntensityScaling.ZScore;

    /// <summary>Returns the normalized voxel values of <paramref name="volume"/> (a new array).</summary>
    public float[] Apply(Volume volume, string name = "volume")
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (!(LowerPercentile >= 0 && LowerPercentile < UpperPercentile && UpperPercentile <= 100))
            throw new ArgumentException($"Percentiles must satisfy 0 <= lower < upper <= 100, got {LowerPercentile} and {UpperPercentile}.");
        var data = volume.Data;
        int bad = data.Count(v => !float.IsFinite(v));
        if (bad > 0)
            throw new InvalidDataException($"The {name} has {bad} NaN or infinite voxels; intensities must be finite.");
        var sorted = (float[])data.Clone();
        Array.Sort(sorted);
        float low = Percentile(sorted, LowerPercentile), high = Percentile(sorted, UpperPercentile);
        var result = new float[data.Length];
        for (int i = 0; i < data.Length; i++)
            result[i] = Math.Clamp(data[i], low, high);
        if (Scaling == IntensityScaling.UnitRange)
        {
            float range = Math.Max(high - low, 1e-6f);
            for (int i = 0; i < result.Length; i++)
                result[i] = (result[i] - low) / range;
            return result;
        }
        double mean = result.Average(v => (double)v);
        double std = Math.Sqrt(result.Average(v => (v - mean) * (v - mean)));
        float scale = (float)(1 / Math.Max(std, 1e-6));
        for (int i = 0; i < result.Length; i++)
            result[i] = (float)((result[i] - mean) * scale);
        return result;
    }

    // Linear interpolation between the closest ranks, as numpy.percentile does by default.
    static float Percentile(float[] sorted, double percent)
    {
        double rank = percent / 100 * (sorted.Length - 1);
        int below = (int)Math.Floor(rank), above = Math.Min(below + 1, sorted.Length - 1);
        return (float)(sorted[below] + (rank - below) * (sorted[above] - sorted[below]));
    }
}
