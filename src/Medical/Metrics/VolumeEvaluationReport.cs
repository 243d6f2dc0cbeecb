using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNet.UNet.Medical.Metrics;

/// <summary>Per-patient 3D metrics of a segmentation and their summaries; printable as a table, savable as JSON.</summary>
public sealed class VolumeEvaluationReport
{
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A report over per-patient evaluations (see <see cref="VolumeEvaluator.Evaluate(string, bool[], bool[], Volumes.Volume, SurfaceRule)"/>).</summary>
    public VolumeEvaluationReport(IReadOnlyList<PatientEvaluation> patients)
    {
        Patients = patients;
        Raw = Summaries(patients.Select(p => p.Metrics).ToList());
        PostProcessed = Summaries(patients.Select(p => p.PostProcessed).ToList());
    }

    /// <summary>
    /// The patients of several reports in one, with summaries over all of them: the folds of a cross-validation by
    /// patient, where every patient is evaluated once by the model that did not train on it.
    /// </summary>
    /// <exception cref="ArgumentException">A report is null, the reports hold no patient, or a patient is in more than one report.</exception>
    public static VolumeEvaluationReport Combine(IEnumerable<VolumeEvaluationReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var patients = reports.SelectMany(r => r?.Patients ?? throw new ArgumentException("A report to combine is null.", nameof(reports))).ToList();
        if (patients.Count == 0)
            throw new ArgumentException("There is no patient to combine: give at least one report with patients.", nameof(reports));
        if (patients.GroupBy(p => p.PatientId).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException(
                $"Patient {twice.Key} is in {twice.Count()} of the reports; folds of a cross-validation must not share patients.", nameof(reports));
        return new VolumeEvaluationReport(patients);
    }

    /// <summary>Every patient, in the order evaluated.</summary>
    public IReadOnlyList<PatientEvaluation> Patients { get; }

    /// <summary>Mean and standard deviation of each measure of the thresholded predictions, by name.</summary>
    public IReadOnlyDictionary<string, Summary> Raw { get; }

    /// <summary>The same after post-processing.</summary>
    public IReadOnlyDictionary<string, Summary> PostProcessed { get; }

    /// <summary>The per-patient table followed by mean ± sd, with and without post-processing.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine("| patient | Dice | IoU | RAVD % | ASSD mm | MSSD mm | HD95 mm | Dice (post) | HD95 mm (post) |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var p in Patients)
            text.AppendLine(Invariant($"| {p.PatientId} | {p.Metrics.Dice:F4} | {p.Metrics.IoU:F4} | {F(p.Metrics.Ravd, 2)} | {F(p.Metrics.Assd, 2)} | {F(p.Metrics.Mssd, 1)} | {F(p.Metrics.Hd95, 2)} | {p.PostProcessed.Dice:F4} | {F(p.PostProcessed.Hd95, 2)} |"));
        foreach (var (name, summaries) in new[] { ("mean ± sd", Raw), ("post-processed", PostProcessed) })
            text.AppendLine(Invariant($"| **{name}** | {S(summaries["Dice"], 4)} | {S(summaries["IoU"], 4)} | {S(summaries["RAVD"], 2)} | {S(summaries["ASSD"], 2)} | {S(summaries["MSSD"], 1)} | {S(summaries["HD95"], 2)} | | |"));
        return text.ToString();
    }

    /// <summary>Writes the report as JSON (atomically).</summary>
    public void WriteJson(string path) =>
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, new { Patients, Raw, PostProcessed }, Json));

    /// <summary>
    /// Reads a report written by <see cref="WriteJson"/>, for example one fold's metrics to combine with others';
    /// the summaries are computed again from the patients.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not such a report.</exception>
    public static VolumeEvaluationReport ReadJson(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"There is no evaluation report at {path}.", path);
        SavedReport? saved;
        try
        {
            using var stream = File.OpenRead(path);
            saved = JsonSerializer.Deserialize<SavedReport>(stream, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not an evaluation report written as JSON: {e.Message}", e);
        }
        var patients = saved?.Patients;
        if (patients is null || patients.Count == 0)
            throw new InvalidDataException($"{path} has no patients: expected a report with a non-empty 'Patients' list.");
        int incomplete = patients.FindIndex(p => p is null || string.IsNullOrEmpty(p.PatientId) || p.Metrics is null || p.PostProcessed is null);
        if (incomplete >= 0)
            throw new InvalidDataException(
                $"{path}: patient entry {incomplete + 1} has no id or no metrics: expected PatientId, Metrics and PostProcessed for each.");
        return new VolumeEvaluationReport(patients.Select(p => p with { SliceDice = p.SliceDice ?? [] }).ToList());
    }

    /// <summary>The part of the JSON that is read back; the summaries are not trusted but recomputed.</summary>
    sealed record SavedReport(List<PatientEvaluation>? Patients);

    static Dictionary<string, Summary> Summaries(List<VolumeMetrics> metrics) => new()
    {
        ["Dice"] = Summary.Of(metrics.Select(m => (double?)m.Dice)),
        ["IoU"] = Summary.Of(metrics.Select(m => (double?)m.IoU)),
        ["RAVD"] = Summary.Of(metrics.Select(m => m.Ravd)),
        ["ASSD"] = Summary.Of(metrics.Select(m => m.Assd)),
        ["MSSD"] = Summary.Of(metrics.Select(m => m.Mssd)),
        ["HD95"] = Summary.Of(metrics.Select(m => m.Hd95)),
    };

    static string F(double? value, int digits) => value is { } v ? v.ToString("F" + digits, CultureInfo.InvariantCulture) : "n/a";

    static string S(Summary s, int digits) => s.Defined == 0 ? "n/a"
        : string.Format(CultureInfo.InvariantCulture, "{0} ± {1}", s.Mean.ToString("F" + digits, CultureInfo.InvariantCulture),
            s.StandardDeviation.ToString("F" + digits, CultureInfo.InvariantCulture));

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
