using System.Text.Json;
using System.Text.Json.Serialization;
using MLNet.UNet.Cli.Inputs;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Recipes;
using MLNet.UNet.Reporting;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using MLNet.UNet.Training;
using MLNet.UNet.Visualization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet.Cli.Commands;

/// <summary>One training run of the tool, on images or on volumes, with an effective recipe.</summary>
/// <param name="places">The folders the run trains into (<see cref="RunFolder.Places"/>): a stop names a checkpoint among them only.</param>
internal sealed class TrainingRun(CliEnvironment environment, DirectoryInfo folder, IReadOnlyList<string> places, TrainingRecipe recipe, bool resume)
{
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, Converters = { new JsonStringEnumConverter() }, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    string PathOf(string name) => Path.Combine(folder.FullName, name);

    public int OnImages(DirectoryInfo images, DirectoryInfo? masks, int channels, long maxPixels)
    {
        var pairs = ImagePairs.Find(images.FullName, masks?.FullName, maxPixels);
        var data = new TrainingData(images.FullName, masks?.FullName, recipe.ImageSize, channels, 0, null, recipe.ValidationFraction, recipe.Seed,
            Files: TrainingData.FilesOf(pairs));
        bool recordAfterFit = CheckData(data);
        AtomicFile.RemoveStaleTemporaries(folder.FullName);
        // A resume refused (other settings) leaves the recipe its checkpoint was trained with.
        bool resuming = resume && File.Exists(PathOf(VolumeTraining.CheckpointFile));
        if (!resuming)
            recipe.WriteJson(PathOf(VolumeTraining.RecipeFile));
        int size = recipe.ImageSize;
        environment.Output.WriteLine($"Training on {pairs.Count} image/mask pairs from {images.FullName}, resized to {size} x {size}.");
        var context = environment.CreateContext(recipe.Seed);
        var files = context.Data.LoadFromEnumerable(pairs.Select(p => new ImageRow { ImagePath = p.ImagePath, MaskPath = p.MaskPath }).ToList());
        var labelled = ImagePipeline.WithLabels(context, files, size);
        var options = UNetSegmentOptions.FromRecipe(recipe);
        options.CheckpointPath = PathOf(VolumeTraining.CheckpointFile);
        options.Resume = resume;
        options.CancellationToken = environment.Cancellation;
        if (resume)
            environment.Output.WriteLine(File.Exists(options.CheckpointPath) ? $"Resuming from {options.CheckpointPath}." : $"No checkpoint at {options.CheckpointPath}; starting from scratch.");
        TransformerChain<ThresholdTransformer> model;
        using (var progress = ProgressView.Create(environment.Output))
        {
            options.Progress = RecordingOnceAnEpochEnds(progress.Report, recordAfterFit ? data : null);
            var pipeline = ImagePipeline.Features(context, size, channels)
                .Append(context.Segmentation().UNetSegment(options))
                .Append(context.Segmentation().Threshold("PredictedMask", "Probability"));
            model = FitOrSayHowToResume(() => pipeline.Fit(labelled));
        }
        if (recordAfterFit)
            data.Record(folder.FullName);
        if (resuming)
            recipe.WriteJson(PathOf(VolumeTraining.RecipeFile));
        using (model)
        {
            var metrics = context.Segmentation().Evaluate(model.Transform(labelled));
            environment.Output.WriteLine($"Dice on all {metrics.PerImage.Count} images (training and validation): {metrics.MeanDice:F4} ± {metrics.DiceStandardDeviation:F4}.");
            var segment = ((IEnumerable<ITransformer>)model).OfType<UNetSegmentTransformer>().Single();
            AtomicFile.WriteVia(PathOf(VolumeTraining.ModelFile), temporary => context.Model.Save(model, files.Schema, temporary));
            segment.SaveOnnx(PathOf(VolumeTraining.OnnxFile));
            TrainingCurveImage.Write(PathOf(VolumeTraining.CurveFile), segment.TrainingHistory);
            var summary = new
            {
                Recipe = recipe.Name, segment.BestEpoch, segment.BestValidationDice, History = segment.TrainingHistory,
                TrainingImages = new { metrics.MeanDice, metrics.DiceStandardDeviation, metrics.MeanIoU },
            };
            AtomicFile.Write(PathOf(VolumeTraining.MetricsFile), stream => JsonSerializer.Serialize(stream, summary, Json));
            environment.Output.WriteLine($"Trained {segment.TrainingHistory.Count} epochs" +
                                         (segment.BestValidationDice is { } best ? $"; best validation Dice {best:F4} at epoch {segment.BestEpoch}" : "") + ".");
            foreach (var name in new[] { VolumeTraining.ModelFile, VolumeTraining.OnnxFile, VolumeTraining.RecipeFile, VolumeTraining.MetricsFile, VolumeTraining.CurveFile, VolumeTraining.CheckpointFile })
                environment.Output.WriteLine($"  wrote {PathOf(name)}");
        }
        return ExitCodes.Success;
    }

    public int OnVolumes(DirectoryInfo volumes, int? folds, int? onlyFold, bool stress, OrganLabels? organs = null)
    {
        string classes = organs?.ToString()
                         ?? "organ 1" + (recipe.ContextLabels.Length > 0 ? $", context {string.Join(",", recipe.ContextLabels)}" : "");
        var data = new TrainingData(volumes.FullName, null, recipe.ImageSize, 1, recipe.NeighbourSlices, recipe.EmptySliceFraction,
            recipe.ValidationFraction, recipe.Seed, classes, recipe.LabelFractions, recipe.PatientSplitSeed, recipe.RedrawEmptySlices);
        bool recordAfterFit = CheckData(data);
        var patients = PatientVolume.ReadFolder(volumes.FullName);
        environment.Output.WriteLine($"{patients.Count} patients in {volumes.FullName}.");
        var context = environment.CreateContext(recipe.Seed);
        using var progress = ProgressView.Create(environment.Output);
        var options = new VolumeTrainingOptions
        {
            OutputFolder = folder.FullName, Resume = resume, Stress = stress, Progress = RecordingOnceAnEpochEnds(progress.Report, recordAfterFit ? data : null),
            Log = environment.Output, CancellationToken = environment.Cancellation,
        };
        var split = PatientSplit.Holdout(patients, recipe);
        FitOrSayHowToResume(() => (folds, organs) switch
        {
            ({ } count, { } several) => VolumeCrossValidation.RunOrgans(context, recipe, patients, count, onlyFold, several, options),
            ({ } count, null) => VolumeCrossValidation.Run(context, recipe, patients, count, onlyFold, options),
            (null, { } several) => OrganTraining.Run(context, recipe, patients, split, several, options),
            _ => (object?)VolumeTraining.Run(context, recipe, patients, split, options),
        });
        if (recordAfterFit)
            data.Record(folder.FullName);
        return ExitCodes.Success;
    }

    // A resume records its data options once an epoch has ended (the checkpoint has then been taken), and again at the end.
    Action<TrainingProgress> RecordingOnceAnEpochEnds(Action<TrainingProgress> report, TrainingData? data) => data is null ? report : progress =>
    {
        if (progress.EpochCompleted && data is { } once)
        {
            data = null;
            once.Record(folder.FullName);
        }
        report(progress);
    };

    // Before training loads any data (image files have been checked and fingerprinted): a resumed run must train on the
    // data its checkpoint was trained on. True when the record is to be written once the resume is accepted.
    bool CheckData(TrainingData data) =>
        data.CheckOrRecord(folder.FullName, resume && (File.Exists(PathOf(VolumeTraining.CheckpointFile)) || Directory.EnumerateDirectories(folder.FullName, "fold-*").Any()), environment.Output);

    T FitOrSayHowToResume<T>(Func<T> fit)
    {
        try
        {
            return fit();
        }
        catch (CheckpointSettingsException e)
        {
            throw new ArgumentException($"{e.Message} With unet train: give the flags that set them, or --recipe " +
                $"{Path.Combine(Path.GetDirectoryName(e.CheckpointPath)!, VolumeTraining.RecipeFile)} (the recipe the run was trained with) and --resume.", e);
        }
        catch (OperationCanceledException)
        {
            environment.Error.WriteLine(RunFolder.NewestCheckpoint(places) is { } checkpoint
                ? $"Stopped. The checkpoint of the last completed epoch is {checkpoint}; run the same command with --resume to continue."
                : "Stopped before the first epoch ended: there is no checkpoint to resume from.");
            throw;
        }
    }
}
