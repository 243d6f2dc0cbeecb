using MLNet.UNet.Medical.Inference;
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
    /// <param name="segmenter">The model, run over volumes as it is at prediction time.</param>
    /// <param name="patients">The patients, with their label volumes.</param>
    /// <param name="shifts">The shifts; <see cref="IntensityShift.Standard"/> when null.</param>
    /// <param name="labels">The label mapping the model was trained with; the liver's when null.</param>
    public static IReadOnlyList<StressResult> Run(VolumeSegmenter segmenter, IReadOnlyList<PatientVolume> patients,
        IReadOnlyList<IntensityShift>? shifts = null, LabelMapping? labels = null)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        ArgumentNullException.ThrowIfNull(patients);
        if (patients.Count == 0)
            throw new ArgumentException("There are no patients to stress-test.", nameof(patients));
        var results = new List<StressResult>();
        foreach (var (name, shift) in new[] { ("none", (IntensityShift?)null) }.Concat((shifts ?? IntensityShift.Standard).Select(s => (s.Name, (IntensityShift?)s))))
        {
            var shifted = shift is null ? patients : patients.Select(shift.Apply).ToList();
            results.Add(new StressResult(name, segmenter.Evaluate(shifted, labels ?? LabelMapping.Liver)));
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

    /// <summary>Writes the results as JSON (mean Dice raw and post-processed per shift, and every patient's measures), atomically.</summary>
    public static void WriteJson(string path, IReadOnlyList<StressResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var rows = results.Select(r => new { r.Shift, MeanDice = r.Report.Raw["Dice"].Mean, MeanDicePostProcessed = r.Report.PostProcessed["Dice"].Mean, r.Report.Patients });
        AtomicFile.Write(path, stream => System.Text.Json.JsonSerializer.Serialize(stream, rows, new System.Text.Json.JsonSerializerOptions
        {
            WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
    }
}
