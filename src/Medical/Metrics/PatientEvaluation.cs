namespace MLNet.UNet.Medical.Metrics;

/// <summary>One patient's evaluation on the whole volume, with and without post-processing.</summary>
/// <param name="PatientId">The patient.</param>
/// <param name="Metrics">Measures of the thresholded prediction.</param>
/// <param name="PostProcessed">Measures after keeping the largest component and filling holes.</param>
/// <param name="SliceDice">Dice of each slice (in z order) of the raw prediction; 1 where both are empty.</param>
public sealed record PatientEvaluation(string PatientId, VolumeMetrics Metrics, VolumeMetrics PostProcessed, IReadOnlyList<double> SliceDice);

/// <summary>Mean and standard deviation of one measure over patients (undefined values left out, and counted).</summary>
/// <param name="Mean">Mean over the patients where the measure is defined.</param>
/// <param name="StandardDeviation">Population standard deviation over the same patients.</param>
/// <param name="Defined">Number of patients where the measure is defined.</param>
public sealed record Summary(double Mean, double StandardDeviation, int Defined)
{
    internal static Summary Of(IEnumerable<double?> values)
    {
        var defined = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        if (defined.Count == 0)
            return new Summary(double.NaN, double.NaN, 0);
        double mean = defined.Average();
        return new Summary(mean, Math.Sqrt(defined.Average(v => (v - mean) * (v - mean))), defined.Count);
    }
}
