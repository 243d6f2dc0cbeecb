using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Slices;

namespace MLNet.UNet.Medical.Stress;

/// <summary>One row of a stress test: the 3D evaluation of every patient under one intensity shift.</summary>
/// <param name="Shift">The shift's name; "none" for the patients as they are.</param>
/// <param name="Report">The 3D evaluation of the shifted patients.</param>
/// <param name="FlaggedPatients">The patients whose shifted prediction the model's plausibility record flags (none without a record).</param>
/// <param name="UnchangedPatients">The patients this shift left as they were, because a structure it changes is absent from their labels.</param>
public sealed record StressResult(string Shift, VolumeEvaluationReport Report, IReadOnlyList<string> FlaggedPatients, IReadOnlyList<string> UnchangedPatients);

/// <summary>One row of a stress test of a model of several organs: every organ's 3D evaluation under one intensity shift.</summary>
/// <param name="Shift">The shift's name; "none" for the patients as they are.</param>
/// <param name="Report">The per-organ 3D evaluation of the shifted patients.</param>
/// <param name="FlaggedPatients">The patients whose shifted prediction the model's plausibility record flags (none without a record).</param>
/// <param name="UnchangedPatients">The patients this shift left as they were, because a structure it changes is absent from their labels.</param>
public sealed record OrganStressResult(string Shift, OrganEvaluationReport Report, IReadOnlyList<string> FlaggedPatients, IReadOnlyList<string> UnchangedPatients);

/// <summary>
/// Scores held-out patients as they are and under fixed intensity shifts (<see cref="IntensityShift.Standard"/>),
/// and evaluates each in 3D. A proxy for patients whose images look unlike the training ones (a dark liver, another
/// scanner's contrast); it does not replace them.
/// </summary>
public static class StressTest
{
    /// <summary>The name of the first row, the patients as they are.</summary>
    public const string Unshifted = "none";

    static readonly System.Text.Json.JsonSerializerOptions Json = new()
    {
        WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Runs the stress test.</summary>
    /// <param name="segmenter">The model, run over volumes as it is at prediction time.</param>
    /// <param name="patients">
    /// The patients, with their label volumes, enumerated once per row scored (a given <paramref name="unshifted"/> row
    /// is not); a lazy sequence such as <see cref="PatientVolume.EnumerateFolder"/> keeps one patient and its shifted
    /// copy in memory. Each row must read the patients of the unshifted row, in its order.
    /// </param>
    /// <param name="shifts">The shifts; <see cref="IntensityShift.Standard"/> when null.</param>
    /// <param name="labels">The label mapping the model was trained with; the liver's when null.</param>
    /// <param name="surfaceRule">Which voxels are a mask's surface for the distances; CHAOS's own definition by default.</param>
    /// <param name="unshifted">
    /// The first row when the caller has already evaluated the patients as they are (<see cref="VolumeSegmenter.EvaluateCases"/>),
    /// so that they are not scored twice; scored here when null.
    /// </param>
    public static IReadOnlyList<StressResult> Run(VolumeSegmenter segmenter, IEnumerable<PatientVolume> patients,
        IReadOnlyList<IntensityShift>? shifts = null, LabelMapping? labels = null, SurfaceRule surfaceRule = SurfaceRule.Chaos, StressResult? unshifted = null)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        return Rows(patients, shifts, unshifted, row => row.Report.Patients.Select(p => p.PatientId), (name, shifted, unchanged) =>
        {
            var (report, cases) = segmenter.EvaluateCases(shifted, labels ?? LabelMapping.Liver, surfaceRule);
            return new StressResult(name, report, Flagged(cases.Select(c => (c.Id, c.Warnings))), unchanged);
        });
    }

    /// <summary>
    /// Runs the stress test on a model of several organs: every organ is evaluated under every shift. The shifts
    /// change the images by the patients' label maps (a darkened liver stays dark whatever the model segments).
    /// </summary>
    /// <param name="segmenter">The model, run over volumes as it is at prediction time.</param>
    /// <param name="patients">
    /// The patients, with their label volumes, enumerated once per row scored (a given <paramref name="unshifted"/> row
    /// is not); a lazy sequence such as <see cref="PatientVolume.EnumerateFolder"/> keeps one patient and its shifted
    /// copy in memory. Each row must read the patients of the unshifted row, in its order.
    /// </param>
    /// <param name="shifts">The shifts; <see cref="IntensityShift.StandardFor(OrganLabels)"/> of the segmenter's organs when null.</param>
    /// <param name="surfaceRule">Which voxels are a mask's surface for the distances; CHAOS's own definition by default.</param>
    /// <param name="unshifted">
    /// The first row when the caller has already evaluated the patients as they are (<see cref="OrganSegmenter.EvaluateCases"/>),
    /// so that they are not scored twice; scored here when null.
    /// </param>
    public static IReadOnlyList<OrganStressResult> Run(OrganSegmenter segmenter, IEnumerable<PatientVolume> patients,
        IReadOnlyList<IntensityShift>? shifts = null, SurfaceRule surfaceRule = SurfaceRule.Chaos, OrganStressResult? unshifted = null)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        return Rows(patients, shifts ?? IntensityShift.StandardFor(segmenter.Organs), unshifted, row => row.Report.PatientIds, (name, shifted, unchanged) =>
        {
            var (report, cases) = segmenter.EvaluateCases(shifted, surfaceRule);
            return new OrganStressResult(name, report, Flagged(cases.Select(c => (c.Id, c.Warnings))), unchanged);
        });
    }

    /// <summary>The ids of the cases with a plausibility warning.</summary>
    public static IReadOnlyList<string> Flagged(IEnumerable<(string Id, IReadOnlyList<string> Warnings)> cases) =>
        [.. cases.Where(c => c.Warnings.Count > 0).Select(c => c.Id)];

    // The unshifted row first, then one per shift. Each row reads the patients anew and shifts each as it is read, so a
    // lazy sequence holds one patient at a time; a patient out of step with the unshifted row stops the row before it is scored.
    static IReadOnlyList<T> Rows<T>(IEnumerable<PatientVolume> patients, IReadOnlyList<IntensityShift>? shifts, T? unshifted, Func<T, IEnumerable<string>> idsOf,
        Func<string, IEnumerable<PatientVolume>, IReadOnlyList<string>, T> score) where T : class
    {
        ArgumentNullException.ThrowIfNull(patients);
        var rows = new List<T> { unshifted ?? score(Unshifted, patients, []) };
        var ids = idsOf(rows[0]).ToList();
        foreach (var shift in shifts ?? IntensityShift.Standard)
        {
            var read = new List<string>();
            var unchanged = new List<string>();
            ArgumentException Mismatch() => new(
                $"The unshifted row evaluates patients {string.Join(", ", ids)}; the row '{shift.Name}' read {string.Join(", ", read)}.",
                unshifted is null ? nameof(patients) : nameof(unshifted));
            // Both lists fill while score evaluates the shifted patients, and are complete when it returns.
            var row = score(shift.Name, patients.Select(patient =>
            {
                read.Add(patient.PatientId);
                if (read.Count > ids.Count || ids[read.Count - 1] != patient.PatientId)
                    throw Mismatch();
                var shifted = shift.Apply(patient);
                if (patient.Image.Data.AsSpan().SequenceEqual(shifted.Image.Data))
                    unchanged.Add(patient.PatientId);
                return shifted;
            }), unchanged);
            if (read.Count != ids.Count)
                throw Mismatch();
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// A Markdown table for a model of several organs: each organ's mean 3D Dice after post-processing per shift, and
    /// the patients the plausibility check flags.
    /// </summary>
    public static string ToTable(IReadOnlyList<OrganStressResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
            throw new ArgumentException("There are no stress results to tabulate.", nameof(results));
        var organs = results[0].Report.Organs.Select(o => o.Organ).ToList();
        var text = new System.Text.StringBuilder();
        text.AppendLine($"| shift | {string.Join(" | ", organs)} | mean over organs | flagged |");
        text.AppendLine($"|---|{string.Concat(organs.Select(_ => "---|"))}---|---|");
        foreach (var result in results)
            text.AppendLine($"| {ShiftCell(result.Shift, result.UnchangedPatients)} | " +
                string.Join(" | ", result.Report.Organs.Select(o => o.Report.PostProcessed["Dice"].Mean.ToString("F4", System.Globalization.CultureInfo.InvariantCulture))) +
                FormattableString.Invariant($" | {result.Report.MeanDicePostProcessed:F4} | ") +
                FlaggedCell(result.FlaggedPatients, result.Report.PatientIds.Count) + " |");
        return text.ToString();
    }

    static string ShiftCell(string shift, IReadOnlyList<string> unchanged) =>
        unchanged.Count > 0 ? $"{shift} (left unchanged: {string.Join(", ", unchanged)})" : shift;

    static string FlaggedCell(IReadOnlyList<string> flagged, int patients) =>
        $"{flagged.Count} of {patients}" + (flagged.Count > 0 ? $" ({string.Join(", ", flagged)})" : "");

    /// <summary>A Markdown table: mean 3D Dice (raw and post-processed) per shift, the worst patient, and the patients the plausibility check flags.</summary>
    public static string ToTable(IReadOnlyList<StressResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var text = new System.Text.StringBuilder();
        text.AppendLine("| shift | mean Dice | mean Dice (post) | worst patient (post) | flagged |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var result in results)
        {
            var worst = result.Report.Patients.MinBy(p => p.PostProcessed.Dice)!;
            text.AppendLine(FormattableString.Invariant(
                $"| {ShiftCell(result.Shift, result.UnchangedPatients)} | {result.Report.Raw["Dice"].Mean:F4} | {result.Report.PostProcessed["Dice"].Mean:F4} | {worst.PatientId}: {worst.PostProcessed.Dice:F4} | ") +
                FlaggedCell(result.FlaggedPatients, result.Report.Patients.Count) + " |");
        }
        return text.ToString();
    }

    /// <summary>The results as JSON rows, as <see cref="WriteJson(string, IReadOnlyList{StressResult})"/> writes them, for a larger report.</summary>
    public static IEnumerable<object> ToJsonRows(IReadOnlyList<StressResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return results.Select(r => new
        {
            r.Shift, MeanDice = r.Report.Raw["Dice"].Mean, MeanDicePostProcessed = r.Report.PostProcessed["Dice"].Mean, r.FlaggedPatients, r.UnchangedPatients, r.Report.Patients,
        });
    }

    /// <summary>The per-organ results as JSON rows, as <see cref="WriteJson(string, IReadOnlyList{OrganStressResult})"/> writes them, for a larger report.</summary>
    public static IEnumerable<object> ToJsonRows(IReadOnlyList<OrganStressResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return results.Select(r => new
        {
            r.Shift, r.Report.MeanDice, r.Report.MeanDicePostProcessed, r.FlaggedPatients, r.UnchangedPatients,
            Organs = r.Report.Organs.Select(o => new { o.Organ, MeanDice = o.Report.Raw["Dice"].Mean, MeanDicePostProcessed = o.Report.PostProcessed["Dice"].Mean, o.Report.Patients }),
        });
    }

    /// <summary>Writes the results as JSON (mean Dice raw and post-processed per shift, the flagged and unchanged patients, and every patient's measures), atomically.</summary>
    public static void WriteJson(string path, IReadOnlyList<StressResult> results)
    {
        var rows = ToJsonRows(results);
        AtomicFile.Write(path, stream => System.Text.Json.JsonSerializer.Serialize(stream, rows, Json));
    }

    /// <summary>Writes the per-organ results as JSON (per shift: the mean over organs, the flagged and unchanged patients, and each organ's patients), atomically.</summary>
    public static void WriteJson(string path, IReadOnlyList<OrganStressResult> results)
    {
        var rows = ToJsonRows(results);
        AtomicFile.Write(path, stream => System.Text.Json.JsonSerializer.Serialize(stream, rows, Json));
    }
}
