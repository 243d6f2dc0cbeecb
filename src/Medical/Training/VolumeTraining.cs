using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Stress;
using MLNet.UNet.Recipes;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using MLNet.UNet.Training;
using MLNet.UNet.Visualization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet.Medical.Training;

/// <summary>What a <see cref="VolumeTraining"/> run gives.</summary>
/// <param name="Evaluation">The 3D evaluation of the validation patients; null without any.</param>
/// <param name="Plausibility">The plausibility record stored in the model zip (predictions on the training patients); null when none of them holds any organ.</param>
/// <param name="History">Loss and validation Dice per epoch.</param>
/// <param name="BestEpoch">The epoch of the best 2D validation Dice (1-based; 0 without validation): the kept weights' when the recipe keeps the best epoch, else the last epoch's are kept.</param>
/// <param name="BestValidationDice">Its 2D validation Dice (with context labels, the mean over the organ and them); null without validation.</param>
/// <param name="Stress">The stress test of the validation patients, when asked for.</param>
public sealed record VolumeTrainingResult(VolumeEvaluationReport? Evaluation, PlausibilityRecord? Plausibility, IReadOnlyList<EpochSummary> History,
    int BestEpoch, double? BestValidationDice, IReadOnlyList<StressResult>? Stress);

/// <summary>
/// Trains a slice U-Net on the training patients of a fold with a recipe, evaluates the validation patients in 3D
/// through <see cref="VolumeSegmenter"/>, and writes to one folder: the model zip (with its plausibility record,
/// <see cref="ForegroundLabels"/>, <see cref="SliceSmoothingDefault"/> and <see cref="OutputShift"/>),
/// its ONNX, the effective recipe, the record of its patients, metrics, the 3D evaluation, a training curve, overlays, the checkpoint, and the
/// stress test when asked for. The <c>unet</c> tool and the liver example both train volumes with it.
/// </summary>
public static class VolumeTraining
{
    /// <summary>The saved pipeline (slices in, mask out), with the plausibility record, the foreground's label values, the slice smoothing default and the output shift inside.</summary>
    public const string ModelFile = "model.zip";

    /// <summary>The network alone, as ONNX (for a recipe with context labels, the organ's class of it).</summary>
    public const string OnnxFile = "model.onnx";

    /// <summary>The effective recipe.</summary>
    public const string RecipeFile = "recipe.json";

    /// <summary>
    /// The patients on each side and the label values of each class, recorded when a run starts; with the recipe's data
    /// settings, a resume must match them (other data would mix two datasets in one model).
    /// </summary>
    public const string RunDataFile = "run-data.json";

    /// <summary>Training history, best epoch, the 3D evaluation's summary and the plausibility record.</summary>
    public const string MetricsFile = "metrics.json";

    /// <summary>The 3D evaluation of the validation patients (<see cref="VolumeEvaluationReport.ReadJson"/> reads it).</summary>
    public const string EvaluationFile = "evaluation.json";

    /// <summary>The checkpoint written after every epoch (with context labels, of the whole network: the organ, then the context labels in the recipe's order).</summary>
    public const string CheckpointFile = "checkpoint.ckpt";

    /// <summary>Loss and validation Dice per epoch, drawn.</summary>
    public const string CurveFile = "training-curve.png";

    /// <summary>Four slices per validation patient with the true (green) and predicted (red) contours.</summary>
    public const string OverlayFile = "overlay.png";

    /// <summary>The stress test's results.</summary>
    public const string StressFile = "stress.json";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, Converters = { new JsonStringEnumConverter() }, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Runs the training and evaluation of one fold.</summary>
    /// <param name="context">The context: its log and cancellation reach the trainer. The seed is the recipe's.</param>
    /// <param name="recipe">The recipe, validated here; it is not changed.</param>
    /// <param name="patients">Every patient the fold names.</param>
    /// <param name="fold">Which patients train and which validate (none is allowed).</param>
    /// <param name="options">Where to write and how to report.</param>
    /// <exception cref="ArgumentException">
    /// The recipe, the options or the fold are invalid, the message naming the setting; or a resume was asked on other data or
    /// settings than the checkpoint's run (its recipe's slice settings, patients, their voxels or labels; its network or trainer settings,
    /// <see cref="CheckpointSettingsException"/>), each difference named.
    /// </exception>
    /// <exception cref="InvalidDataException">A record of the run to resume (<see cref="RecipeFile"/>, <see cref="RunDataFile"/>) is damaged.</exception>
    public static VolumeTrainingResult Run(MLContext context, TrainingRecipe recipe, IReadOnlyList<PatientVolume> patients, PatientFold fold,
        VolumeTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(fold);
        ArgumentNullException.ThrowIfNull(options);
        recipe = Prepared(recipe);
        CheckOneOrgan(recipe);
        options.Validate();
        // With context labels the network learns the organ (class 1) and its neighbours; the model keeps the organ's class.
        var learned = Learned(recipe, options.Labels);
        var (training, validation) = TrainingOrientation.Common(Select(patients, fold.Training, "training"),
            Select(patients, fold.Validation, "validation"), options.Log);
        if (training.Count == 0)
            throw new ArgumentException("The fold has no training patients.", nameof(fold));
        (training, var validationToSlice) = TrainingFieldOfView.Common(training, validation, options.Log);
        var trainingValues = LabelMapping.ValuesIn(training);
        options.Labels.CheckEveryClassOccurs(trainingValues, training.Count, "training");
        var log = options.Log;
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(options.OutputFolder);
        AtomicFile.RemoveStaleTemporaries(options.OutputFolder);
        string PathOf(string name) => Path.Combine(options.OutputFolder, name);
        var data = RunData.Of(fold, patients, learned);
        bool resuming = Start(options, recipe, data);

        var trainingOptions = SliceLoaderOptions.FromRecipe(recipe, training: true);
        trainingOptions.Labels = learned;
        var scoringOptions = SliceLoaderOptions.FromRecipe(recipe, training: false);
        scoringOptions.Labels = options.Labels;
        var trainingSlices = SliceLoader.Load(context, training, trainingOptions);
        var validationSlices = validation.Count > 0 ? SliceLoader.Load(context, validationToSlice, scoringOptions) : null;
        var learnedScoring = SliceLoaderOptions.FromRecipe(recipe, training: false);
        learnedScoring.Labels = learned;
        var learnedValidationSlices = validation.Count > 0 && recipe.ContextLabels.Length > 0 ? SliceLoader.Load(context, validationToSlice, learnedScoring) : validationSlices;
        var absentContext = recipe.ContextLabels.Where(v => !trainingValues.Contains(v)).ToList();
        if (absentContext.Count > 0)
            log.WriteLine($"warning: context label{(absentContext.Count > 1 ? "s" : "")} {string.Join(", ", absentContext)} occur{(absentContext.Count > 1 ? "" : "s")} in none of the training " +
                          "patients' label volumes: the network learns empty classes for them (unet train --context-labels none, or TrainingRecipe.ContextLabels, leaves them out).");
        log.WriteLine($"Recipe {recipe.Name}: training on patients {string.Join(", ", fold.Training)}" +
                      (validation.Count > 0 ? $"; validating on {string.Join(", ", fold.Validation)}." : "; no validation patients."));
        log.WriteLine(FormattableString.Invariant($"{trainingSlices.GetColumn<int>(nameof(SliceRow.SliceIndex)).Count()} training slices ") +
                      FormattableString.Invariant($"(all with the organ{(recipe.ContextLabels.Length > 0 ? " or a context structure" : "")}; ") +
                      (recipe.RedrawEmptySlices
                          ? FormattableString.Invariant($"of those without it, a share of {recipe.EmptySliceFraction:0.###} drawn anew each epoch), ")
                          : FormattableString.Invariant($"each without it kept with probability {recipe.EmptySliceFraction:0.###}), ")) +
                      $"{recipe.ImageSize} x {recipe.ImageSize}, {trainingOptions.Channels} channel(s)" +
                      (recipe.ContextLabels.Length > 0 ? $"; context labels {string.Join(", ", recipe.ContextLabels)} learned as classes 2 to {learned.ClassCount - 1}, the organ's class kept." : "."));

        var segmentOptions = SegmentOptions(recipe, learnedValidationSlices, options, resuming ? () => Record(options, recipe, data) : null);
        if (recipe.ContextLabels.Length > 0)
            segmentOptions.Network.OutputClasses = learned.ClassCount;
        if (options.Resume)
            log.WriteLine(File.Exists(segmentOptions.CheckpointPath) ? $"Resuming from {segmentOptions.CheckpointPath}." : "No checkpoint to resume; starting from scratch.");
        using var segment = context.Segmentation().UNetSegment(segmentOptions).Fit(trainingSlices);
        if (resuming)
            Record(options, recipe, data);
        log.WriteLine($"Trained {segment.TrainingHistory.Count} epochs in {clock.Elapsed:hh\\:mm\\:ss}" +
                      (segment.BestValidationDice is { } best ? $"; best 2D validation Dice {best:F4} at epoch {segment.BestEpoch}" : "") +
                      $"; kept {(recipe.Trainer.KeepBestModel ? $"epoch {segment.BestEpoch}" : "the last epoch")}.");
        if (UnannealedStop(recipe.Trainer, segment.StopReason, segment.TrainingHistory) is { } warning)
            log.WriteLine(warning);
        using var organProbability = recipe.ContextLabels.Length > 0 ? segment.ForClass(1, trainingSlices) : null;
        OnnxBackedTransformer network = organProbability ?? (OnnxBackedTransformer)segment;
        using var threshold = context.Segmentation().Threshold("PredictedMask", "Probability").Fit(network.Transform(trainingSlices));
        var model = new TransformerChain<ITransformer>(network, threshold);

        var shift = LearnedShift(training, trainingOptions, recipe, log);
        var record = new VolumeSegmenter(context, model, scoringOptions,
                new VolumeSegmenterOptions { PostProcess = true, SmoothingRadius = recipe.SmoothingRadius, OutputShift = shift, TestTimeShifts = recipe.TestTimeShifts })
            .Record(training.Select(p => (p.PatientId, p.Image)));
        log.WriteLine(record is null
            ? "No plausibility record: the model finds no organ in any training patient (it has learned too little; train longer), so its predictions will not be checked."
            : $"Plausibility record (post-processed predictions on the training patients): {record}; stored in the model zip.");
        var segmenter = new VolumeSegmenter(context, model, scoringOptions,
            new VolumeSegmenterOptions
            {
                PostProcess = true, SmoothingRadius = recipe.SmoothingRadius, OutputShift = shift, TestTimeShifts = recipe.TestTimeShifts, Plausibility = record,
            });
        VolumeEvaluationReport? evaluation = null;
        IReadOnlyList<StressResult>? stress = null;
        if (validation.Count > 0)
        {
            var (report, cases) = segmenter.EvaluateCases(validation, options.Labels);
            evaluation = report;
            log.WriteLine("3D metrics of the validation patients (on each volume's own grid and spacing; CHAOS's surface rule" +
                          (recipe.SmoothingRadius > 0 ? $"; probabilities averaged over {recipe.SmoothingRadius} slice(s) on each side" : "") +
                          (recipe.TestTimeShifts ? "; averaged over test-time shifts" : "") + "):");
            log.WriteLine(evaluation.ToTable());
            evaluation.WriteJson(PathOf(EvaluationFile));
            WriteOverlay(context, model.Transform(validationSlices!), PathOf(OverlayFile), recipe.ImageSize);
            if (options.Stress)
            {
                var flagged = StressTest.Flagged(cases.Select(c => (c.Id, c.Warnings)));
                stress = StressTest.Run(segmenter, validation, labels: options.Labels, unshifted: new StressResult(StressTest.Unshifted, evaluation, flagged, []));
                log.WriteLine("Stress test (the validation patients under fixed intensity shifts; 3D Dice; the cases the plausibility check flags):");
                log.WriteLine(StressTest.ToTable(stress));
                StressTest.WriteJson(PathOf(StressFile), stress);
            }
        }
        AtomicFile.WriteVia(PathOf(ModelFile), temporary =>
        {
            using (var stream = File.Create(temporary))
                context.Model.Save(model, trainingSlices.Schema, stream);
            record?.WriteInto(temporary);
            ForegroundLabels.Of(options.Labels).WriteInto(temporary);
            new SliceSmoothingDefault(recipe.SmoothingRadius).WriteInto(temporary);
            new TestTimeShiftsDefault(recipe.TestTimeShifts).WriteInto(temporary);
            shift.WriteInto(temporary);
        });
        network.SaveOnnx(PathOf(OnnxFile));
        TrainingCurveImage.Write(PathOf(CurveFile), segment.TrainingHistory, $"U-Net training, recipe {recipe.Name}");
        var metrics = new
        {
            Recipe = recipe.Name, segment.BestEpoch, segment.BestValidationDice, History = segment.TrainingHistory,
            Evaluation = evaluation is null ? null : new { ValidationPatients = evaluation.Patients.Select(p => p.PatientId), evaluation.Raw, evaluation.PostProcessed },
            Plausibility = record,
        };
        AtomicFile.Write(PathOf(MetricsFile), stream => JsonSerializer.Serialize(stream, metrics, Json));
        foreach (var name in new[] { ModelFile, OnnxFile, RecipeFile, RunDataFile, MetricsFile, EvaluationFile, OverlayFile, StressFile, CurveFile, CheckpointFile })
            if (File.Exists(PathOf(name)) && (name != StressFile || stress is not null) && (name is not (EvaluationFile or OverlayFile) || evaluation is not null))
                log.WriteLine($"  wrote {PathOf(name)}");
        return new VolumeTrainingResult(evaluation, record, segment.TrainingHistory, segment.BestEpoch, segment.BestValidationDice, stress);
    }

    /// <summary>
    /// Starts a run in its output folder, before any slice is loaded. A resume is checked against the records of the
    /// checkpoint's run (<see cref="RunData.CheckResume"/>) and leaves them as they are until its first epoch has ended
    /// (<see cref="Record"/>): a resume refused, here or by the checkpoint, leaves the run as it was. A run that starts
    /// over removes the old run's checkpoint and evaluation, which would otherwise stand beside this run's records if it
    /// stopped before its first epoch, and records its recipe and data; the old model stays until the new one replaces it.
    /// </summary>
    /// <returns>Whether the run resumes a checkpoint.</returns>
    internal static bool Start(VolumeTrainingOptions options, TrainingRecipe recipe, RunData data)
    {
        if (options.Resume && File.Exists(Path.Combine(options.OutputFolder, CheckpointFile)))
        {
            data.CheckResume(options.OutputFolder, recipe, options.Log);
            return true;
        }
        File.Delete(Path.Combine(options.OutputFolder, CheckpointFile));
        Record(options, recipe, data);
        return false;
    }

    /// <summary>
    /// Makes the run's records this run's: its recipe and data are written, and the evaluation (with its stress test and
    /// overlays) of the run that was there before goes, since it is not to be combined as this one's. Called when a run
    /// starts over, and for a resumed run once it has trained an epoch and again when it ends (it may have had none to train).
    /// </summary>
    internal static void Record(VolumeTrainingOptions options, TrainingRecipe recipe, RunData data)
    {
        foreach (var name in new[] { EvaluationFile, StressFile, OverlayFile })
            File.Delete(Path.Combine(options.OutputFolder, name));
        recipe.WriteJson(Path.Combine(options.OutputFolder, RecipeFile));
        data.Record(options.OutputFolder);
    }

    /// <summary>Where the network learns its labels (<see cref="OutputShift.Learned"/>), said when it is off the pixels' centres.</summary>
    internal static OutputShift LearnedShift(IReadOnlyList<PatientVolume> training, SliceLoaderOptions trainingOptions, TrainingRecipe recipe, TextWriter log)
    {
        var shift = OutputShift.Learned(training, trainingOptions, recipe.Trainer.Augmentation);
        if (shift != OutputShift.None)
            log.WriteLine($"Output shift {shift} (where the network learned its labels, shrunk by nearest neighbour): stored in the model zip; " +
                          "every volume's probabilities are put back on its grid from there.");
        return shift;
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="recipe"/> is valid and trains one organ (with its
    /// context labels, if any): a network of several output classes needs its organs named (<see cref="OrganTraining"/>).
    /// Nothing is read or written; <see cref="Run"/> and <see cref="VolumeCrossValidation.Run"/> check the same first.
    /// </summary>
    public static void CheckRecipe(TrainingRecipe recipe) => CheckOneOrgan(Prepared(recipe));

    static void CheckOneOrgan(TrainingRecipe recipe)
    {
        if (recipe.Network.OutputClasses != 1)
            throw new ArgumentException(
                $"Recipe {recipe.Name}'s network has {recipe.Network.OutputClasses} output classes, a model of several organs: name its {recipe.Network.OutputClasses - 1} " +
                "organs in class order (unet train --labels liver=1,kidney-right=2,...; OrganTraining in the library), or train one organ with a recipe whose " +
                "Network.OutputClasses is 1 (liver-mri).", nameof(recipe));
    }

    /// <summary>A validated copy of the recipe with its seed fixed, so that a fold trains alike wherever it is run.</summary>
    internal static TrainingRecipe Prepared(TrainingRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var copy = recipe.Clone();
        copy.Trainer.Seed = recipe.Seed;
        copy.Validate();
        SliceLoaderOptions.FromRecipe(copy, training: true).Validate();
        return copy;
    }

    /// <summary>The classes the network learns: the organ's labels, and the recipe's context labels after them.</summary>
    static LabelMapping Learned(TrainingRecipe recipe, LabelMapping organ)
    {
        if (recipe.ContextLabels.Length == 0)
            return organ;
        try
        {
            return organ.WithContext(recipe.ContextLabels);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"TrainingRecipe.ContextLabels [{string.Join(", ", recipe.ContextLabels)}]: {e.Message}", e);
        }
    }

    /// <summary>
    /// The segment component's options for slices: the recipe's, with the slice columns, the validation patients, and the
    /// run's checkpoint and reporting; <paramref name="firstEpochEnded"/> is called when the first epoch trained here has
    /// ended (a resumed checkpoint has then been taken).
    /// </summary>
    internal static UNetSegmentOptions SegmentOptions(TrainingRecipe recipe, IDataView? validationSlices, VolumeTrainingOptions options, Action? firstEpochEnded)
    {
        var segmentOptions = UNetSegmentOptions.FromRecipe(recipe);
        segmentOptions.FeatureColumnName = nameof(SliceRow.Features);
        segmentOptions.LabelColumnName = nameof(SliceRow.Label);
        segmentOptions.AugmentationRegionColumnName = recipe.UsesRegions ? nameof(SliceRow.Regions) : null;
        segmentOptions.LabelFractionColumnName = recipe.LabelFractions ? nameof(SliceRow.LabelFractions) : null;
        if (recipe.RedrawEmptySlices)
            (segmentOptions.EpochDrawColumnName, segmentOptions.EpochDrawFraction) = (nameof(SliceRow.OrganFree), recipe.EmptySliceFraction);
        segmentOptions.ValidationFraction = 0;
        segmentOptions.ValidationSet = validationSlices;
        segmentOptions.CheckpointPath = Path.Combine(options.OutputFolder, CheckpointFile);
        segmentOptions.Resume = options.Resume;
        segmentOptions.Progress = firstEpochEnded is null ? options.Progress : report =>
        {
            if (report.EpochCompleted && firstEpochEnded is { } once)
            {
                firstEpochEnded = null;
                once();
            }
            options.Progress?.Invoke(report);
        };
        segmentOptions.CancellationToken = options.CancellationToken;
        return segmentOptions;
    }

    internal static List<PatientVolume> Select(IReadOnlyList<PatientVolume> patients, IReadOnlyList<string> ids, string role)
    {
        var byId = patients.ToDictionary(p => p.PatientId);
        return ids.Select(id => byId.TryGetValue(id, out var patient) ? patient
            : throw new ArgumentException($"The fold's {role} patient {id} is not among the patients given ({string.Join(", ", byId.Keys)}).")).ToList();
    }

    // Four slices per validation patient, those with the most organ, in z order; the slice itself is the middle channel.
    static void WriteOverlay(MLContext context, IDataView scored, string path, int imageSize)
    {
        var tiles = context.Data.CreateEnumerable<ScoredSlice>(scored, reuseRowObject: false)
            .GroupBy(r => r.PatientId)
            .SelectMany(g => g.OrderByDescending(r => r.Label.Count(v => v > 0)).Take(4).OrderBy(r => r.SliceIndex))
            .Select(r => new OverlayTile(r.Features.AsSpan(r.Features.Length / r.Label.Length / 2 * r.Label.Length, r.Label.Length).ToArray(), r.Label, r.PredictedMask))
            .ToList();
        OverlayImage.Write(path, tiles, imageSize, imageSize, columns: 4);
    }

    /// <summary>A scored validation slice, as read back for the overlays.</summary>
    sealed class ScoredSlice
    {
        public string PatientId { get; set; } = "";
        public int SliceIndex { get; set; }
        public float[] Features { get; set; } = [];
        public float[] Label { get; set; } = [];
        public float[] PredictedMask { get; set; } = [];
    }

    // A time budget that stops a cosine schedule early leaves the rate high: the model is less settled than the
    // recipe's figures, which were made where every epoch ran. Say so, and how to anneal within the budget.
    internal static string? UnannealedStop(TrainerOptions trainer, StopReason stopReason, IReadOnlyList<EpochSummary> history)
    {
        if (stopReason != StopReason.TimeBudget || history.Count == 0 || trainer.Schedule != LearningRateSchedule.Cosine || trainer.FitScheduleToTimeBudget)
            return null;
        double fraction = history[^1].LearningRate / trainer.LearningRate;
        return fraction < 0.05 ? null : FormattableString.Invariant(
            $"warning: the time budget ({trainer.TimeBudget?.TotalMinutes:F0} min) stopped training after {history.Count} of {trainer.Epochs} epochs, with the learning rate still at {fraction * 100:F0}% of its start: this CPU is slower than the recipe's. --fit-schedule-to-time (TrainerOptions.FitScheduleToTimeBudget) anneals it within the budget.");
    }
}
