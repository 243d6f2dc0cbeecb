using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Cli.Inputs;
using MLNet.UNet.Data;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using MLNet.UNet.Training;
using MLNet.UNet.Reporting;
using MLNet.UNet.Visualization;

namespace MLNet.UNet.Cli.Commands;

/// <summary>One training run of the tool: the shared steps of image and volume training.</summary>
internal sealed class TrainingRun(CliEnvironment environment, DirectoryInfo folder, UNetOptions network, TrainerOptions trainer, int size, bool resume)
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    string PathOf(string name) => Path.Combine(folder.FullName, name);

    public int OnImages(DirectoryInfo images, DirectoryInfo? masks, int channels, double validationFraction, long maxPixels)
    {
        CheckData(new TrainingData(images.FullName, masks?.FullName, size, channels, 0, null, validationFraction, trainer.Seed!.Value));
        var pairs = ImagePairs.Find(images.FullName, masks?.FullName, maxPixels);
        environment.Output.WriteLine($"Training on {pairs.Count} image/mask pairs from {images.FullName}, resized to {size} x {size}.");
        var context = environment.CreateContext(trainer.Seed);
        var files = context.Data.LoadFromEnumerable(pairs.Select(p => new ImageRow { ImagePath = p.ImagePath, MaskPath = p.MaskPath }).ToList());
        var labelled = ImagePipeline.WithLabels(context, files, size);
        var options = SegmentOptions(validationFraction, validationSet: null);
        using var model = Fit(context, ImagePipeline.Features(context, size, channels), options, labelled);
        var metrics = context.Segmentation().Evaluate(model.Transform(labelled));
        environment.Output.WriteLine($"Dice on all {metrics.PerImage.Count} images (training and validation): {metrics.MeanDice:F4} ± {metrics.DiceStandardDeviation:F4}.");
        return Finish(context, model, files.Schema, new { TrainingImages = new { metrics.MeanDice, metrics.DiceStandardDeviation, metrics.MeanIoU } });
    }

    public int OnVolumes(DirectoryInfo volumes, int neighbourSlices, double emptySliceFraction, double validationFraction)
    {
        CheckData(new TrainingData(volumes.FullName, null, size, 1, neighbourSlices, emptySliceFraction, validationFraction, trainer.Seed!.Value));
        var patients = PatientVolume.ReadFolder(volumes.FullName);
        int held = (int)Math.Round(patients.Count * validationFraction);
        var fold = held >= 1 && held < patients.Count
            ? PatientSplit.TrainValidation(patients.Select(p => p.PatientId), held, trainer.Seed!.Value)
            : new PatientFold(patients.Select(p => p.PatientId).ToList(), []);
        environment.Output.WriteLine($"{patients.Count} patients: training on {string.Join(", ", fold.Training)}" +
                                     (fold.Validation.Count > 0 ? $"; validating on {string.Join(", ", fold.Validation)}." : "; no validation patients."));
        var context = environment.CreateContext(trainer.Seed);
        var trainingPatients = patients.Where(p => fold.Training.Contains(p.PatientId)).ToList();
        var validationPatients = patients.Where(p => fold.Validation.Contains(p.PatientId)).ToList();
        var training = SliceLoader.Load(context, trainingPatients,
            new SliceLoaderOptions { ImageSize = size, NeighbourSlices = neighbourSlices, EmptySliceFraction = emptySliceFraction, Seed = trainer.Seed!.Value });
        var validation = validationPatients.Count > 0
            ? SliceLoader.Load(context, validationPatients, new SliceLoaderOptions { ImageSize = size, NeighbourSlices = neighbourSlices })
            : null;
        environment.Output.WriteLine($"{training.GetColumn<int>(nameof(SliceRow.SliceIndex)).Count()} training slices " +
                                     $"(all with the organ; each without it kept with probability {emptySliceFraction.ToString("0.###", CultureInfo.InvariantCulture)}).");
        var options = SegmentOptions(0, validation);
        options.FeatureColumnName = nameof(SliceRow.Features);
        options.LabelColumnName = nameof(SliceRow.Label);
        using var model = Fit(context, null, options, training);
        object? evaluation = null;
        if (validation is not null)
        {
            var report = context.Segmentation().EvaluateVolumes(model.Transform(validation), validationPatients);
            environment.Output.WriteLine(report.ToTable());
            evaluation = new { ValidationPatients = report.Patients, report.Raw, report.PostProcessed };
        }
        var segmenter = new VolumeSegmenter(context, model, new SliceLoaderOptions { ImageSize = size, NeighbourSlices = neighbourSlices },
            new VolumeSegmenterOptions { PostProcess = true });
        var record = segmenter.Record(trainingPatients.Select(p => (p.PatientId, p.Image)));
        environment.Output.WriteLine($"Plausibility record (predictions on the training patients, post-processed): organ {record.VolumeMlMin:F0}-{record.VolumeMlMax:F0} ml, " +
                                     $"at most {record.LargestSliceMlMax:F1} ml in a slice, mean confidence at least {record.MeanConfidenceMin:F2}.");
        return Finish(context, model, training.Schema, evaluation, record);
    }

    // Before any data is read: a resumed run must train on the data its checkpoint was trained on.
    void CheckData(TrainingData data) => data.CheckOrRecord(folder.FullName, resume && File.Exists(PathOf("checkpoint.ckpt")), environment.Output);

    UNetSegmentOptions SegmentOptions(double validationFraction, IDataView? validationSet) => new()
    {
        Network = network, Trainer = trainer, ValidationFraction = validationFraction, ValidationSet = validationSet,
        CheckpointPath = PathOf("checkpoint.ckpt"), Resume = resume, CancellationToken = environment.Cancellation,
    };

    TransformerChain<ThresholdTransformer> Fit(MLContext context, IEstimator<ITransformer>? features, UNetSegmentOptions options, IDataView data)
    {
        if (resume)
            environment.Output.WriteLine(File.Exists(options.CheckpointPath)
                ? $"Resuming from {options.CheckpointPath}."
                : $"No checkpoint at {options.CheckpointPath}; starting from scratch.");
        using var progress = ProgressView.Create(environment.Output);
        options.Progress = progress.Report;
        var threshold = context.Segmentation().Threshold("PredictedMask", "Probability");
        var pipeline = features is null
            ? context.Segmentation().UNetSegment(options).Append(threshold)
            : features.Append(context.Segmentation().UNetSegment(options)).Append(threshold);
        try
        {
            return pipeline.Fit(data);
        }
        catch (OperationCanceledException)
        {
            environment.Error.WriteLine($"Stopped. The checkpoint of the last completed epoch is {options.CheckpointPath}; run the same command with --resume to continue.");
            throw;
        }
    }

    int Finish(MLContext context, ITransformer model, Microsoft.ML.DataViewSchema inputSchema, object? evaluation, PlausibilityRecord? record = null)
    {
        var segment = ((IEnumerable<ITransformer>)model).OfType<UNetSegmentTransformer>().Single();
        AtomicFile.WriteVia(PathOf("model.zip"), temporary =>
        {
            using (var stream = File.Create(temporary))
                context.Model.Save(model, inputSchema, stream);
            record?.WriteInto(temporary);
        });
        segment.SaveOnnx(PathOf("model.onnx"));
        TrainingCurveImage.Write(PathOf("training-curve.png"), segment.TrainingHistory);
        var metrics = new
        {
            Network = segment.Network, Trainer = segment.Trainer, ImageSize = size,
            segment.BestEpoch, segment.BestValidationDice, History = segment.TrainingHistory, Evaluation = evaluation, Plausibility = record,
        };
        AtomicFile.Write(PathOf("metrics.json"), stream => JsonSerializer.Serialize(stream, metrics, Json));
        environment.Output.WriteLine($"Trained {segment.TrainingHistory.Count} epochs" +
                                     (segment.BestValidationDice is { } best ? $"; best validation Dice {best:F4} at epoch {segment.BestEpoch}" : "") + ".");
        foreach (var name in new[] { "model.zip", "model.onnx", "metrics.json", "training-curve.png", "checkpoint.ckpt" })
            environment.Output.WriteLine($"  wrote {PathOf(name)}");
        return ExitCodes.Success;
    }
}
