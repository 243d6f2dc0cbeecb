using Microsoft.ML;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Slices;

namespace MLNet.UNet.Medical.Stress;

/// <summary>One row of a stress test: the 3D evaluation of every patient under one intensity shift.</summary>
/// <param name="Shift">The shift's name; "none" for the patients as they are.</param>
/// <param name="Report">The 3D evaluation of the shifted patients.</param>
public sealed record StressResult(string Shift, VolumeEvaluationReport Report);

/// <summary>
/// Scores held-out patients as they are and under fixed intensity shifts (<see cref="IntensityShift.Standard"/>),
/// and evaluates each in 3D. A proxy for patients whose images look unlike the training ones (a dark liver, another
/// scanner's contrast); it does not replace them.
/// </summary>
public static class StressTest
{
    /// <summary>Runs the stress test.</summary>
    /// <param name="context">The context to load slices with.</param>
    /// <param name="model">A fitted pipeline over <see cref="SliceLoader"/> slices that writes <paramref name="probabilityColumnName"/>.</param>
    /// <param name="patients">The patients, with their label volumes.</param>
    /// <param name="slices">How the model's slices are made (as at training, with every slice kept).</param>
    /// <param name="shifts">The shifts; <see cref="IntensityShift.Standard"/> when null.</param>
    /// <param name="labels">The label mapping the model was trained with.</param>
    /// <param name="probabilityColumnName">The model's probability column.</param>
    /// <param name="threshold">Foreground above this probability.</param>
    /// <param name="smoothingRadius">Neighbour slices averaged on each side before thresholding.</param>
    public static IReadOnlyList<StressResult> Run(MLContext context, ITransformer model, IReadOnlyList<PatientVolume> patients,
        SliceLoaderOptions slices, IReadOnlyList<IntensityShift>? shifts = null, LabelMapping? labels = null,
        string probabilityColumnName = "Probability", float threshold = 0.5f, int smoothingRadius = 0)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(slices);
        if (patients.Count == 0)
            throw new ArgumentException("There are no patients to stress-test.", nameof(patients));
        var results = new List<StressResult>();
        foreach (var (name, shift) in new[] { ("none", (IntensityShift?)null) }.Concat((shifts ?? IntensityShift.Standard).Select(s => (s.Name, (IntensityShift?)s))))
        {
            var shifted = shift is null ? patients : patients.Select(shift.Apply).ToList();
            var scored = model.Transform(SliceLoader.Load(context, shifted, slices));
            var report = VolumeEvaluator.Evaluate(scored, shifted, labels ?? LabelMapping.Liver, probabilityColumnName, threshold, smoothingRadius);
            results.Add(new StressResult(name, report));
        }
        return results;
    }

    /// <summary>A Markdown table: mean 3D Dice (raw and post-processed) per shift, and the worst patient.</summary>
    public static string ToTable(IReadOnlyList<StressResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var text = new System.Text.StringBuilder();
        text.AppendLine("| shift | mean Dice | mean Dice (post) | worst patient (post) |");
        text.AppendLine("|---|---|---|---|");
        foreach (var result in results)
        {
            var worst = result.Report.Patients.MinBy(p => p.PostProcessed.Dice)!;
            text.AppendLine(FormattableString.Invariant(
                $"| {result.Shift} | {result.Report.Raw["Dice"].Mean:F4} | {result.Report.PostProcessed["Dice"].Mean:F4} | {worst.PatientId}: {worst.PostProcessed.Dice:F4} |"));
        }
        return text.ToString();
    }
}
