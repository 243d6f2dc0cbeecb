using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Stress;
using MLNet.UNet.Recipes;
using MLNet.UNet.Segment;
using MLNet.UNet.Training;
using MLNet.UNet.Visualization;

namespace MLNet.UNet.Medical.Training;

/// <summary>What an <see cref="OrganTraining"/> run gives.</summary>
/// <param name="Evaluation">The per-organ 3D evaluation of the validation patients; null without any.</param>
/// <param name="History">Loss and validation Dice (mean and per organ) per epoch.</param>
/// <param name="BestEpoch">The epoch of the best 2D validation Dice (1-based; 0 without validation): the kept weights' when the recipe keeps the best epoch, else the last epoch's are kept.</param>
/// <param name="BestValidationDice">Its 2D validation Dice, the mean over organs; null without validation.</param>
/// <param name="Stress">The stress test of the validation patients, organ by organ, when asked for; null without validation patients.</param>
/// <param name="Plausibility">The per-organ plausibility record stored in the model zip (predictions on the training patients).</param>
public sealed record OrganTrainingResult(OrganEvaluationReport? Evaluation, IReadOnlyList<EpochSummary> History, int BestEpoch, double? BestValidationDice,
    IReadOnlyList<OrganStressResult>? Stress, OrganPlausibility Plausibility);

/// <summary>
/// <see cref="VolumeTraining"/> for several organs at once: one slice U-Net with a class per organ (softmax, cross-entropy
/// plus soft Dice per organ), then ArgMax, evaluated organ by organ in 3D by an <see cref="OrganSegmenter"/>.
/// It writes to one folder: the model zip (with its organ list, <see cref="OrganLabels.WriteInto"/>, and each organ's
/// plausibility record, <see cref="OrganPlausibility"/>, the recipe's <see cref="SliceSmoothingDefault"/> and the learned <see cref="OutputShift"/>), its ONNX, the effective
/// recipe, the record of its patients, metrics, the evaluation, a training curve and the checkpoint.
/// </summary>
public static class OrganTraining
{
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, Converters = { new JsonStringEnumConverter() }, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Runs the training and evaluation of one fold.</summary>
    /// <param name="context">The context: its log and cancellation reach the trainer. The seed is the recipe's.</param>
    /// <param name="recipe">The recipe, validated here; it is not changed. Its network gets one output class per organ, plus the background.</param>
    /// <param name="patients">Every patient the fold names.</param>
    /// <param name="fold">Which patients train and which validate (none is allowed).</param>
    /// <param name="organs">The organs, in class order.</param>
    /// <param name="options">Where to write and how to report; its Labels are replaced by the organs'. The stress test scores every organ.</param>
    /// <exception cref="ArgumentException">
    /// The recipe, the options or the fold are invalid, the message naming the setting; or a resume was asked on other data or
    /// settings than the checkpoint's run, each difference named (as <see cref="VolumeTraining.Run"/>).
    /// </exception>
    /// <exception cref="InvalidDataException">A record of the run to resume is damaged.</exception>
    public static OrganTrainingResult Run(MLContext context, TrainingRecipe recipe, IReadOnlyList<PatientVolume> patients, PatientFold fold,
        OrganLabels organs, VolumeTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(fold);
        ArgumentNullException.ThrowIfNull(organs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CheckNoContextLabels(recipe);
        recipe = Prepared(recipe, organs);
        var (training, validation) = TrainingOrientation.Common(VolumeTraining.Select(patients, fold.Training, "training"),
            VolumeTraining.Select(patients, fold.Validation, "validation"), options.Log);
        if (training.Count == 0)
            throw new ArgumentException("The fold has no training patients.", nameof(fold));
        (training, var validationToSlice) = TrainingFieldOfView.Common(training, validation, options.Log);
        var mapping = organs.ToMapping();
        mapping.CheckEveryClassOccurs(training, "training");

        var log = options.Log;
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(options.OutputFolder);
        AtomicFile.RemoveStaleTemporaries(options.OutputFolder);
        string PathOf(string name) => Path.Combine(options.OutputFolder, name);
        var data = RunData.Of(fold, patients, mapping);
        bool resuming = VolumeTraining.Start(options, recipe, data);
        var trainingOptions = SliceLoaderOptions.FromRecipe(recipe, training: true);
        trainingOptions.Labels = mapping;
        trainingOptions.Validate();
        var scoringOptions = SliceLoaderOptions.FromRecipe(recipe, training: false);
        scoringOptions.Labels = mapping;
        var trainingSlices = SliceLoader.Load(context, training, trainingOptions);
        var validationSlices = validation.Count > 0 ? SliceLoader.Load(context, validationToSlice, scoringOptions) : null;
        log.WriteLine($"Recipe {recipe.Name}, organs {organs}: training on patients {string.Join(", ", fold.Training)}" +
                      (validation.Count > 0 ? $"; validating on {string.Join(", ", fold.Validation)}." : "; no validation patients."));

        using var model = context.Segmentation().UNetSegment(VolumeTraining.SegmentOptions(recipe, validationSlices, options,
            resuming ? () => VolumeTraining.Record(options, recipe, data) : null)).Append(context.Segmentation().ArgMax()).Fit(trainingSlices);
        var segment = ((IEnumerable<ITransformer>)model).OfType<UNetSegmentTransformer>().Single();
        if (resuming)
            VolumeTraining.Record(options, recipe, data);
        log.WriteLine($"Trained {segment.TrainingHistory.Count} epochs in {clock.Elapsed:hh\\:mm\\:ss}" +
                      (segment.BestValidationDice is { } best ? $"; best 2D validation Dice {best:F4} (mean over organs) at epoch {segment.BestEpoch}" : "") + ".");
        if (VolumeTraining.UnannealedStop(recipe.Trainer, segment.StopReason, segment.TrainingHistory) is { } warning)
            log.WriteLine(warning);

        OrganEvaluationReport? evaluation = null;
        IReadOnlyList<OrganStressResult>? stress = null;
        var shift = VolumeTraining.LearnedShift(training, trainingOptions, recipe, log);
        var record = new OrganSegmenter(context, model, scoringOptions, organs, postProcess: true, smoothingRadius: recipe.SmoothingRadius, shift: shift,
                testTimeShifts: recipe.TestTimeShifts)
            .Record(training.Select(p => (p.PatientId, p.Image)));
        log.WriteLine($"Plausibility record (post-processed predictions on the training patients), stored in the model zip: {record}.");
        if (validation.Count > 0)
        {
            var segmenter = new OrganSegmenter(context, model, scoringOptions, organs, postProcess: true, smoothingRadius: recipe.SmoothingRadius, plausibility: record,
                shift: shift, testTimeShifts: recipe.TestTimeShifts);
            var (report, cases) = segmenter.EvaluateCases(validation);
            evaluation = report;
            // The stress test's first row is the evaluation itself, scored once.
            stress = options.Stress
                ? StressTest.Run(segmenter, validation, unshifted: new OrganStressResult(StressTest.Unshifted, report, StressTest.Flagged(cases.Select(c => (c.Id, c.Warnings))), []))
                : null;
            log.WriteLine("3D metrics of the validation patients per organ (on each volume's own grid; post: the organ's largest component, holes filled):");
            log.WriteLine(evaluation.ToTable());
            evaluation.WriteJson(PathOf(VolumeTraining.EvaluationFile));
            if (stress is not null)
            {
                log.WriteLine("Stress test of the validation patients (fixed intensity shifts; mean 3D Dice per organ, post-processed; the cases the plausibility check flags):");
                log.WriteLine(StressTest.ToTable(stress));
                StressTest.WriteJson(PathOf(VolumeTraining.StressFile), stress);
            }
        }
        AtomicFile.WriteVia(PathOf(VolumeTraining.ModelFile), temporary =>
        {
            using (var stream = File.Create(temporary))
                context.Model.Save(model, trainingSlices.Schema, stream);
            organs.WriteInto(temporary);
            record.WriteInto(temporary);
            new SliceSmoothingDefault(recipe.SmoothingRadius).WriteInto(temporary);
            new TestTimeShiftsDefault(recipe.TestTimeShifts).WriteInto(temporary);
            shift.WriteInto(temporary);
        });
        segment.SaveOnnx(PathOf(VolumeTraining.OnnxFile));
        TrainingCurveImage.Write(PathOf(VolumeTraining.CurveFile), segment.TrainingHistory, $"U-Net training, recipe {recipe.Name}, {organs.Organs.Count} organs");
        var metrics = new
        {
            Recipe = recipe.Name, Organs = organs.Organs, segment.BestEpoch, segment.BestValidationDice, History = segment.TrainingHistory,
            Evaluation = evaluation?.Organs.Select(o => new { o.Organ, o.Report.Raw, o.Report.PostProcessed }),
            Stress = stress?.Select(r => new { r.Shift, r.Report.MeanDice, r.Report.MeanDicePostProcessed, r.FlaggedPatients }),
            Plausibility = record,
        };
        AtomicFile.Write(PathOf(VolumeTraining.MetricsFile), stream => JsonSerializer.Serialize(stream, metrics, Json));
        foreach (var name in new[] { VolumeTraining.ModelFile, VolumeTraining.OnnxFile, VolumeTraining.RecipeFile, VolumeTraining.RunDataFile, VolumeTraining.MetricsFile,
                     VolumeTraining.EvaluationFile, VolumeTraining.StressFile, VolumeTraining.CurveFile, VolumeTraining.CheckpointFile })
            if (File.Exists(PathOf(name)) && (name != VolumeTraining.EvaluationFile || evaluation is not null) && (name != VolumeTraining.StressFile || stress is not null))
                log.WriteLine($"  wrote {PathOf(name)}");
        return new OrganTrainingResult(evaluation, segment.TrainingHistory, segment.BestEpoch, segment.BestValidationDice, stress, record);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <see cref="Run"/> can train <paramref name="recipe"/> for
    /// <paramref name="organs"/>: the recipe valid with a class per organ, and no context labels. Nothing is read or written.
    /// </summary>
    public static void CheckRecipe(TrainingRecipe recipe, OrganLabels organs)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(organs);
        CheckNoContextLabels(recipe);
        Prepared(recipe, organs);
    }

    static void CheckNoContextLabels(TrainingRecipe recipe)
    {
        if (recipe.ContextLabels.Length > 0)
            throw new ArgumentException(
                $"Recipe {recipe.Name} learns context labels ({string.Join(", ", recipe.ContextLabels)}) around one organ; a model of several organs names every organ it learns " +
                "(unet train --labels), so clear the recipe's ContextLabels (unet train --context-labels none) or train the one organ without --labels.", nameof(recipe));
    }

    /// <summary>A validated copy of the recipe as a run trains it and writes it: its seed fixed, a class per organ and the background.</summary>
    internal static TrainingRecipe Prepared(TrainingRecipe recipe, OrganLabels organs)
    {
        var copy = recipe.Clone();
        copy.Trainer.Seed = recipe.Seed;
        copy.Network.OutputClasses = organs.ClassCount;
        copy.Validate();
        return copy;
    }
}
