using System.Text;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Slices;

namespace MLNet.UNet.Examples;

/// <summary>
/// The folds of a cross-validation by patient in the liver example: each fold in its own folder (fold-k), and the
/// metrics of every evaluated patient together in cross-validation.json.
/// </summary>
internal static class CrossValidation
{
    const string CommandFile = "command.txt";
    const string MetricsFile = "metrics.json";

    /// <summary>Trains and evaluates fold <paramref name="index"/> (0-based) in its folder, recording the command line it was run with.</summary>
    public static VolumeEvaluationReport RunFold(
        LiverMriSettings settings, IReadOnlyList<PatientVolume> patients, IReadOnlyList<PatientFold> folds, int index, string[] args)
    {
        var folder = FoldFolder(settings.OutputFolder, index);
        Directory.CreateDirectory(folder);
        // Metrics of an earlier run of this fold must not be combined under this run's command if this one stops early.
        File.Delete(Path.Combine(folder, MetricsFile));
        // Folds run one at a time (--fold) are combined later; the command shows which settings each one had.
        AtomicFile.Write(Path.Combine(folder, CommandFile), stream => stream.Write(Encoding.UTF8.GetBytes($"LiverMri {string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a))}\n")));
        return FoldRun.Run(settings, patients, folds[index], folder);
    }

    /// <summary>
    /// Combines the folds whose metrics are in the output folder and hold exactly the patients this split holds out
    /// in that fold; says on the console which folds are in and why any other is out. The report is null when none is in.
    /// </summary>
    public static (VolumeEvaluationReport? Report, int FoldsIn) CombineFromFolders(string outputFolder, IReadOnlyList<PatientFold> folds)
    {
        var reports = new List<VolumeEvaluationReport>();
        for (int f = 0; f < folds.Count; f++)
        {
            var folder = FoldFolder(outputFolder, f);
            var path = Path.Combine(folder, MetricsFile);
            if (!File.Exists(path))
            {
                Console.WriteLine($"Fold {f + 1}: not run yet ({path} is absent).");
                continue;
            }
            VolumeEvaluationReport report;
            string command;
            try
            {
                report = VolumeEvaluationReport.ReadJson(path);
                var commandPath = Path.Combine(folder, CommandFile);
                command = File.Exists(commandPath) ? File.ReadAllText(commandPath).Trim() : "command not recorded";
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                Console.WriteLine($"Fold {f + 1}: left out, {e.Message}");
                continue;
            }
            var expected = folds[f].Validation.Order().ToList();
            var found = report.Patients.Select(p => p.PatientId).Order().ToList();
            if (!expected.SequenceEqual(found))
            {
                Console.WriteLine($"Fold {f + 1}: left out, {path} holds patients {string.Join(", ", found)} but this split holds out " +
                                  $"{string.Join(", ", expected)} in fold {f + 1} (was it run with another --seed or --folds?).");
                continue;
            }
            Console.WriteLine($"Fold {f + 1}: patients {string.Join(", ", expected)} ({command}).");
            reports.Add(report);
        }
        return (reports.Count == 0 ? null : VolumeEvaluationReport.Combine(reports), reports.Count);
    }

    /// <summary>Writes cross-validation.json and prints the combined table.</summary>
    public static void Write(VolumeEvaluationReport combined, string outputFolder, string foldsDone)
    {
        var path = Path.Combine(outputFolder, "cross-validation.json");
        combined.WriteJson(path);
        Console.WriteLine($"Cross-validation over {foldsDone} ({combined.Patients.Count} patients), written to {path}:");
        Console.WriteLine(combined.ToTable());
    }

    static string FoldFolder(string outputFolder, int index) => Path.Combine(outputFolder, $"fold-{index + 1}");
}
