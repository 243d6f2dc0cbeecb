using System.Text;
using static System.FormattableString;

namespace MLNet.UNet.Medical.Metrics;

/// <summary>
/// The 3D evaluation of a model of several classes, organ by organ: each organ's report holds every patient's measures
/// of that organ against the rest (before and after keeping the organ's largest component), and the means over organs.
/// </summary>
public sealed class OrganEvaluationReport
{
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
