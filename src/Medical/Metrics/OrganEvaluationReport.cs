using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using static System.FormattableString;

namespace MLNet.UNet.Medical.Metrics;

/// <summary>
/// The 3D evaluation of a model of several classes, organ by organ: each organ's report holds every patient's measures
/// of that organ against the rest (before and after keeping the organ's largest component and filling its holes), and the means over organs.
/// </summary>
public sealed class OrganEvaluationReport
{
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A report over the organs' reports, in class order.</summary>
    /// <param name="organs">Each organ's name and report.</param>
    public OrganEvaluationReport(IReadOnlyList<(string Organ, VolumeEvaluationReport Report)> organs)
    {
        ArgumentNullException.ThrowIfNull(organs);
        if (organs.Count == 0)
            throw new ArgumentException("An organ report needs at least one organ.", nameof(organs));
        Organs = organs;
    }

    /// <summary>Each organ's name and report, in class order (class 1 first).</summary>
    public IReadOnlyList<(string Organ, VolumeEvaluationReport Report)> Organs { get; }

    /// <summary>The mean over organs of their mean 3D Dice, before post-processing.</summary>
    public double MeanDice => Organs.Average(o => o.Report.Raw["Dice"].Mean);

    /// <summary>The mean over organs of their mean 3D Dice, after post-processing.</summary>
    public double MeanDicePostProcessed => Organs.Average(o => o.Report.PostProcessed["Dice"].Mean);

    /// <summary>
    /// The patients of several reports of the same organs in one, organ by organ (<see cref="VolumeEvaluationReport.Combine"/>):
    /// the folds of a cross-validation by patient.
    /// </summary>
    /// <exception cref="ArgumentException">There is no report, the reports name other organs or another order, or a patient is in more than one.</exception>
    public static OrganEvaluationReport Combine(IEnumerable<OrganEvaluationReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var all = reports.Select(r => r ?? throw new ArgumentException("A report to combine is null.", nameof(reports))).ToList();
        if (all.Count == 0)
            throw new ArgumentException("There is no report to combine: give at least one.", nameof(reports));
        var organs = all[0].Organs.Select(o => o.Organ).ToList();
        if (all.FirstOrDefault(r => !r.Organs.Select(o => o.Organ).SequenceEqual(organs)) is { } other)
            throw new ArgumentException($"The reports to combine must hold the same organs in the same order: {string.Join(", ", organs)} against " +
                                        $"{string.Join(", ", other.Organs.Select(o => o.Organ))}.", nameof(reports));
        return new OrganEvaluationReport([.. organs.Select((organ, i) => (organ, VolumeEvaluationReport.Combine(all.Select(r => r.Organs[i].Report))))]);
    }

    /// <summary>The patients the report evaluates (those of its first organ; every organ holds the same).</summary>
    public IReadOnlyList<string> PatientIds => [.. Organs[0].Report.Patients.Select(p => p.PatientId)];

    /// <summary>Writes the report as JSON (atomically): per organ, its patients' measures and their summaries.</summary>
    public void WriteJson(string path) =>
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream,
            new { Organs = Organs.Select(o => new { o.Organ, o.Report.Patients, o.Report.Raw, o.Report.PostProcessed }), MeanDice, MeanDicePostProcessed }, Json));

    /// <summary>Reads a report written by <see cref="WriteJson"/>; the summaries are computed again from the patients.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not such a report.</exception>
    public static OrganEvaluationReport ReadJson(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"There is no organ evaluation report at {path}.", path);
        SavedReport? saved;
        try
        {
            using var stream = File.OpenRead(path);
            saved = JsonSerializer.Deserialize<SavedReport>(stream, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not an organ evaluation report written as JSON: {e.Message}", e);
        }
        if (saved?.Organs is not { Count: > 0 } organs)
            throw new InvalidDataException($"{path} has no organs: expected a report with a non-empty 'Organs' list.");
        var read = new List<(string, VolumeEvaluationReport)>();
        foreach (var organ in organs)
        {
            if (string.IsNullOrEmpty(organ?.Organ) || organ.Patients is not { Count: > 0 } patients
                || patients.Any(p => p is null || string.IsNullOrEmpty(p.PatientId) || p.Metrics is null || p.PostProcessed is null))
                throw new InvalidDataException($"{path}: organ entry {read.Count + 1} has no name or an incomplete patient: expected Organ and " +
                                               "Patients, each with PatientId, Metrics and PostProcessed.");
            read.Add((organ.Organ, new VolumeEvaluationReport([.. patients.Select(p => p with { SliceDice = p.SliceDice ?? [] })])));
        }
        return new OrganEvaluationReport(read);
    }

    sealed record SavedOrgan(string? Organ, List<PatientEvaluation>? Patients);

    sealed record SavedReport(List<SavedOrgan>? Organs);

    /// <summary>One line per organ: mean ± sd of Dice, ASSD and HD95, raw and post-processed; then the means over organs.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine("| organ | Dice | ASSD mm | HD95 mm | Dice (post) | ASSD mm (post) | HD95 mm (post) |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var (organ, report) in Organs)
            text.AppendLine(Invariant($"| {organ} | {S(report.Raw["Dice"], 4)} | {S(report.Raw["ASSD"], 2)} | {S(report.Raw["HD95"], 2)} | ") +
                Invariant($"{S(report.PostProcessed["Dice"], 4)} | {S(report.PostProcessed["ASSD"], 2)} | {S(report.PostProcessed["HD95"], 2)} |"));
        text.AppendLine(Invariant($"| **mean over organs** | {MeanDice:F4} | | | {MeanDicePostProcessed:F4} | | |"));
        return text.ToString();
    }

    static string S(Summary summary, int digits) =>
        summary.Defined == 0 ? "n/a" : Invariant($"{summary.Mean.ToString($"F{digits}", System.Globalization.CultureInfo.InvariantCulture)} ± {summary.StandardDeviation.ToString($"F{digits}", System.Globalization.CultureInfo.InvariantCulture)}");
}
