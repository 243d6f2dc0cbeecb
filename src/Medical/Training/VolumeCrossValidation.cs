using Microsoft.ML;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Training;

/// <summary>
/// Cross-validation by patient: each fold is a <see cref="VolumeTraining"/> run (an <see cref="OrganTraining"/> run for
/// several organs) in its own folder (fold-1, fold-2, ...), and the 3D evaluations of every fold found in the output
/// folder are combined into
/// <see cref="CombinedFile"/>. Folds can be run one per sitting and are combined as they come, provided each holds
/// exactly the patients this split holds out in it. Each fold keeps its last epoch, so that its validation patients
/// choose nothing and their figures are unbiased.
/// </summary>
public static class VolumeCrossValidation
{
    /// <summary>The combined evaluation of the folds.</summary>
    public const string CombinedFile = "cross-validation.json";

    /// <summary>The folder of fold <paramref name="index"/> (0-based) under <paramref name="outputFolder"/>.</summary>
    public static string FoldFolder(string outputFolder, int index) => Path.Combine(outputFolder, $"fold-{index + 1}");

    /// <summary>
    /// Runs every fold, or only fold <paramref name="only"/> (1-based), then combines the folds present in
    /// <see cref="VolumeTrainingOptions.OutputFolder"/> and writes <see cref="CombinedFile"/> there. The combination is
    /// rewritten after every fold, so an interrupted cross-validation keeps the folds it finished.
    /// </summary>
    /// <returns>The combined report, or null when no fold is complete.</returns>
    public static VolumeEvaluationReport? Run(MLContext context, TrainingRecipe recipe, IReadOnlyList<PatientVolume> patients, int folds, int? only,
        VolumeTrainingOptions options)
    {
        VolumeTraining.CheckRecipe(recipe);
        ArgumentNullException.ThrowIfNull(options);
        return RunFolds(recipe, patients, folds, only, options, options.Labels,
            (foldRecipe, fold, foldOptions) => VolumeTraining.Run(context, foldRecipe, patients, fold, foldOptions),
            (split, log, foldRecipe) => Combine(options.OutputFolder, split, log, foldRecipe));
    }

    /// <summary>
    /// <see cref="Run"/> for a model of several organs: each fold is an <see cref="OrganTraining"/> run, and the folds'
    /// per-organ evaluations are combined organ by organ.
    /// </summary>
    /// <returns>The combined per-organ report, or null when no fold is complete.</returns>
    public static OrganEvaluationReport? RunOrgans(MLContext context, TrainingRecipe recipe, IReadOnlyList<PatientVolume> patients, int folds, int? only,
        OrganLabels organs, VolumeTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(organs);
        OrganTraining.CheckRecipe(recipe, organs);
        return RunFolds(recipe, patients, folds, only, options, organs.ToMapping(),
            (foldRecipe, fold, foldOptions) => OrganTraining.Run(context, foldRecipe, patients, fold, organs, foldOptions),
            (split, log, foldRecipe) => CombineOrgans(options.OutputFolder, split, log, organs, foldRecipe));
    }

    static T? RunFolds<T>(TrainingRecipe recipe, IReadOnlyList<PatientVolume> patients, int folds, int? only, VolumeTrainingOptions options,
        LabelMapping classes, Action<TrainingRecipe, PatientFold, VolumeTrainingOptions> runFold,
        Func<IReadOnlyList<PatientFold>, TextWriter, TrainingRecipe, T?> combine) where T : class
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(options);
        var split = PatientSplit.KFold(patients.Select(p => p.PatientId), folds, recipe.PatientSplitSeed);
        if (only is { } one && (one < 1 || one > split.Count))
            throw new ArgumentException($"The fold to run must be between 1 and {split.Count} (the number of folds), got {one}.");
        List<int> foldsToRun = only is { } single ? [single - 1] : [.. Enumerable.Range(0, split.Count)];
        // Every fold's training patients must hold every class, checked before the first fold trains for an hour.
        var valuesOf = patients.ToDictionary(p => p.PatientId, p => LabelMapping.ValuesIn([p]));
        foreach (int f in foldsToRun)
            classes.CheckEveryClassOccurs(split[f].Training.SelectMany(id => valuesOf.TryGetValue(id, out var values) ? values : Enumerable.Empty<int>()).ToHashSet(),
                split[f].Training.Count, $"fold {f + 1} training");
        var foldRecipe = FoldRecipe(recipe);
        T? combined = null;
        foreach (int f in foldsToRun)
        {
            options.Log.WriteLine($"== Fold {f + 1} of {split.Count} ==");
            var folder = FoldFolder(options.OutputFolder, f);
            runFold(foldRecipe, split[f], new VolumeTrainingOptions
            {
                OutputFolder = folder, Resume = options.Resume, Stress = options.Stress, Labels = options.Labels,
                Progress = options.Progress, Log = options.Log, CancellationToken = options.CancellationToken,
            });
            // The fold just run decides the recipe: a fold trained with other settings is not this cross-validation's.
            combined = combine(split, options.Log, TrainingRecipe.ReadJson(Path.Combine(folder, VolumeTraining.RecipeFile)));
        }
        return combined;
    }

    /// <summary>
    /// Combines the folds whose evaluation is in <paramref name="outputFolder"/> and holds exactly the patients
    /// <paramref name="split"/> holds out in that fold, writes <see cref="CombinedFile"/>, and says on
    /// <paramref name="log"/> which folds are in and why any other is out. A fold trained with another recipe than
    /// <paramref name="recipe"/> (or than the first fold in, when null) is out, with the first setting that differs;
    /// a fold that records no recipe (<see cref="VolumeTraining.RecipeFile"/>) cannot be checked and is in.
    /// </summary>
    /// <returns>The combined report, or null when no fold is in.</returns>
    public static VolumeEvaluationReport? Combine(string outputFolder, IReadOnlyList<PatientFold> split, TextWriter log, TrainingRecipe? recipe = null) =>
        CombineFolds(outputFolder, split, log, recipe is null ? null : FoldRecipe(recipe), VolumeEvaluationReport.ReadJson, r => r.Patients.Select(p => p.PatientId), _ => null,
            VolumeEvaluationReport.Combine, (r, path) => r.WriteJson(path), r => r.ToTable());

    /// <summary>
    /// <see cref="Combine"/> for the per-organ evaluations of <see cref="RunOrgans"/>. A fold whose report names other
    /// organs than <paramref name="organs"/> (or than the first fold in, when null) is left out with the reason, as is
    /// one trained with another recipe than <paramref name="recipe"/>.
    /// </summary>
    /// <returns>The combined per-organ report, or null when no fold is in.</returns>
    public static OrganEvaluationReport? CombineOrgans(string outputFolder, IReadOnlyList<PatientFold> split, TextWriter log, OrganLabels? organs = null,
        TrainingRecipe? recipe = null)
    {
        var expected = organs?.Names;
        var reference = recipe is null ? null : organs is null ? FoldRecipe(recipe) : OrganTraining.Prepared(FoldRecipe(recipe), organs);
        return CombineFolds(outputFolder, split, log, reference, OrganEvaluationReport.ReadJson, r => r.PatientIds, report =>
            {
                var names = report.Organs.Select(o => o.Organ).ToList();
                expected ??= names;
                return names.SequenceEqual(expected) ? null : $"it evaluates {string.Join(", ", names)}, not {string.Join(", ", expected)}";
            },
            OrganEvaluationReport.Combine, (r, path) => r.WriteJson(path), r => r.ToTable());
    }

    /// <summary>The recipe as a fold trains it and writes it: the last epoch kept (held-out patients choose nothing), the seed drawn.</summary>
    internal static TrainingRecipe FoldRecipe(TrainingRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var fold = recipe.Clone();
        fold.Trainer.KeepBestModel = false;
        return VolumeTraining.Prepared(fold);
    }

    static T? CombineFolds<T>(string outputFolder, IReadOnlyList<PatientFold> split, TextWriter log, TrainingRecipe? reference, Func<string, T> read,
        Func<T, IEnumerable<string>> patientsOf, Func<T, string?> whyNot, Func<IEnumerable<T>, T> combine, Action<T, string> write, Func<T, string> table)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(log);
        var reports = new List<T>();
        for (int f = 0; f < split.Count; f++)
        {
            var folder = FoldFolder(outputFolder, f);
            var path = Path.Combine(folder, VolumeTraining.EvaluationFile);
            if (!File.Exists(path))
            {
                log.WriteLine($"Fold {f + 1}: not run yet ({path} is absent).");
                continue;
            }
            T report;
            TrainingRecipe? recipe;
            try
            {
                report = read(path);
                var recipePath = Path.Combine(folder, VolumeTraining.RecipeFile);
                recipe = File.Exists(recipePath) ? TrainingRecipe.ReadJson(recipePath) : null;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                log.WriteLine($"Fold {f + 1}: left out, {e.Message}");
                continue;
            }
            var expected = split[f].Validation.Order().ToList();
            var found = patientsOf(report).Order().ToList();
            if (!expected.SequenceEqual(found))
            {
                log.WriteLine($"Fold {f + 1}: left out, {path} holds patients {string.Join(", ", found)} but this split holds out " +
                              $"{string.Join(", ", expected)} in fold {f + 1} (was it run with another split seed or number of folds?).");
                continue;
            }
            if (whyNot(report) is { } reason)
            {
                log.WriteLine($"Fold {f + 1}: left out, {path}: {reason}.");
                continue;
            }
            if (recipe is not null && reference is not null && recipe.DifferenceFrom(reference) is { } difference)
            {
                log.WriteLine($"Fold {f + 1}: left out, it was trained with another recipe ({difference}).");
                continue;
            }
            reference ??= recipe;
            log.WriteLine($"Fold {f + 1}: patients {string.Join(", ", expected)} (recipe {recipe?.Name ?? "not recorded"}).");
            reports.Add(report);
        }
        if (reports.Count == 0)
            return null;
        var combined = combine(reports);
        var combinedPath = Path.Combine(outputFolder, CombinedFile);
        write(combined, combinedPath);
        log.WriteLine($"Cross-validation over {reports.Count} of {split.Count} folds ({patientsOf(combined).Count()} patients), written to {combinedPath}:");
        log.WriteLine(table(combined));
        return combined;
    }
}
