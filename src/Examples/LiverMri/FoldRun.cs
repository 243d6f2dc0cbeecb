using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Stress;
using MLNet.UNet.Medical.Recipes;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Training;
using MLNet.UNet.Visualization;

namespace MLNet.UNet.Examples;

/// <summary>
/// One patient split of the liver example: trains on the fold's training patients, evaluates its validation patients
/// in 3D, and writes metrics, overlays, the training curve and the model zip to one folder.
/// </summary>
internal static class FoldRun
{
    public static VolumeEvaluationReport Run(LiverMriSettings settings, IReadOnlyList<PatientVolume> patients, PatientFold fold, string outputFolder)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(outputFolder);
        var training = patients.Where(p => fold.Training.Contains(p.PatientId)).ToList();
        var validation = patients.Where(p => fold.Validation.Contains(p.PatientId)).ToList();
        Console.WriteLine($"Training on patients {string.Join(", ", fold.Training)}; validating on {string.Join(", ", fold.Validation)}.");

        var context = new MLContext(seed: settings.Seed);
        var trainingOptions = LiverMriRecipe.Slices(training: true, settings.ImageSize, settings.NeighbourSlices, settings.EmptySlices, settings.Seed);
        var trainingSlices = SliceLoader.Load(context, training, trainingOptions);
        var validationSlices = SliceLoader.Load(context, validation, LiverMriRecipe.Slices(training: false, settings.ImageSize, settings.NeighbourSlices));
        Console.WriteLine($"{trainingSlices.GetColumn<int>(nameof(SliceRow.SliceIndex)).Count()} training slices " +
                          $"(all with liver, {settings.EmptySlices:P0} of those without), {validationSlices.GetColumn<int>(nameof(SliceRow.SliceIndex)).Count()} validation slices.");

        var network = Network(settings, trainingOptions.Channels);
        var trainer = Trainer(settings);
        var progress = new ConsoleProgress();
        var pipeline = context.Segmentation().UNetSegment(new UNetSegmentOptions
            {
                FeatureColumnName = nameof(SliceRow.Features), LabelColumnName = nameof(SliceRow.Label),
                AugmentationRegionColumnName = LiverMriRecipe.RegionColumnName, Network = network, Trainer = trainer, ValidationSet = validationSlices, Progress = progress.Report,
            })
            .Append(context.Segmentation().Threshold("PredictedMask", "Probability"));
        Console.WriteLine($"Training a U-Net (depth {network.Depth}, base {network.BaseFilters}, batch norm) on {settings.ImageSize}x{settings.ImageSize} slices " +
                          $"with {network.InputChannels} channel(s) ({settings.NeighbourSlices} neighbour slice(s) on each side), " +
                          $"{(trainer.BatchDice ? "batch" : "per-image")} Dice, {(trainer.PooledValidationDice ? "pooled" : "per-slice")} validation Dice, weight averaging {trainer.WeightAveragingDecay?.ToString() ?? "off"}, " +
                          $"elastic deformation {trainer.Augmentation.ElasticProbability:P0} of slices, " +
                          $"robust intensity augmentation {(trainer.Augmentation.RegionIntensityProbability > 0 ? "on" : "off")}, " +
                          $"up to {settings.Epochs} epochs or {settings.Minutes} minutes{(trainer.FitScheduleToTimeBudget ? ", the learning rate annealed over the minutes" : "")}, " +
                          $"keeping the {(trainer.KeepBestModel ? "epoch with the best validation Dice" : "last epoch")} ...");
        using var model = pipeline.Fit(trainingSlices);
        var segment = ((IEnumerable<ITransformer>)model).OfType<UNetSegmentTransformer>().Single();
        progress.Done();
        var kept = trainer.KeepBestModel ? $"kept epoch {segment.BestEpoch}" : $"kept the last epoch ({segment.TrainingHistory[^1].ValidationDice:F4})";
        Console.WriteLine($"Trained {segment.TrainingHistory.Count} epochs in {clock.Elapsed:hh\\:mm\\:ss}; best 2D validation Dice {segment.BestValidationDice:F4} " +
                          $"at epoch {segment.BestEpoch}; {kept}.");

        var scored = model.Transform(validationSlices);
        var report = context.Segmentation().EvaluateVolumes(scored, validation, LabelMapping.Liver, smoothingRadius: settings.SmoothSlices);
        Console.WriteLine();
        Console.WriteLine("3D liver metrics of the validation patients (volume grid 256 x 256, spacing from the NIfTI header" +
                          (settings.SmoothSlices > 0 ? $"; probabilities averaged over {settings.SmoothSlices} slice(s) on each side" : "") + "):");
        Console.WriteLine(report.ToTable());
        var metricsPath = Path.Combine(outputFolder, "metrics.json");
        report.WriteJson(metricsPath);

        var overlayPath = Path.Combine(outputFolder, "overlay.png");
        WriteOverlay(context, scored, overlayPath, settings.ImageSize);
        var curvePath = Path.Combine(outputFolder, "training-curve.png");
        TrainingCurveImage.Write(curvePath, segment.TrainingHistory, "U-Net training, CHAOS MR T2-SPIR liver");
        if (settings.Stress)
            WriteStress(context, model, validation, settings, Path.Combine(outputFolder, "stress.json"));
        var modelPath = Path.Combine(outputFolder, "liver-unet.zip");
        var segmenter = new VolumeSegmenter(context, model, LiverMriRecipe.Slices(training: false, settings.ImageSize, settings.NeighbourSlices),
            new VolumeSegmenterOptions { PostProcess = true, SmoothingRadius = settings.SmoothSlices });
        var record = segmenter.Record(training.Select(p => (p.PatientId, p.Image)));
        AtomicFile.WriteVia(modelPath, temporary =>
        {
            using (var stream = File.Create(temporary))
                context.Model.Save(model, trainingSlices.Schema, stream);
            record.WriteInto(temporary);
        });
        Console.WriteLine($"Plausibility record (training patients' predictions): liver {record.VolumeMlMin:F0}-{record.VolumeMlMax:F0} ml, " +
                          $"mean confidence at least {record.MeanConfidenceMin:F2}; stored in the model zip.");

        Console.WriteLine($"Wrote {metricsPath}");
        Console.WriteLine($"Wrote {overlayPath} (one row per validation patient; green: true contour, red: predicted)");
        Console.WriteLine($"Wrote {curvePath}");
        Console.WriteLine($"Wrote {modelPath}");
        return report;
    }

    static void WriteStress(MLContext context, ITransformer model, IReadOnlyList<PatientVolume> patients, LiverMriSettings settings, string path)
    {
        var results = StressTest.Run(context, model, patients, LiverMriRecipe.Slices(training: false, settings.ImageSize, settings.NeighbourSlices),
            smoothingRadius: settings.SmoothSlices);
        Console.WriteLine();
        Console.WriteLine("Stress test (the validation patients under fixed intensity shifts; 3D liver Dice):");
        Console.WriteLine(StressTest.ToTable(results));
        AtomicFile.Write(path, stream => System.Text.Json.JsonSerializer.Serialize(stream,
            results.Select(r => new { r.Shift, MeanDice = r.Report.Raw["Dice"].Mean, MeanDicePostProcessed = r.Report.PostProcessed["Dice"].Mean, r.Report.Patients }),
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        Console.WriteLine($"Wrote {path}");
    }

    static UNetOptions Network(LiverMriSettings settings, int channels)
    {
        var network = UNetOptions.Preset(settings.Preset, channels);
        network.BaseFilters = settings.BaseFilters ?? network.BaseFilters;
        return network;
    }

    static TrainerOptions Trainer(LiverMriSettings settings)
    {
        var trainer = LiverMriRecipe.Trainer(settings.Epochs, TimeSpan.FromMinutes(settings.Minutes), settings.RobustIntensity ?? LiverMriRecipe.UsesRobustIntensity);
        if (settings.WeightAveraging is { } decay)
            trainer.WeightAveragingDecay = decay > 0 ? decay : null;
        trainer.BatchDice = settings.BatchDice ?? trainer.BatchDice;
        trainer.Augmentation.ElasticProbability = settings.Elastic ?? trainer.Augmentation.ElasticProbability;
        trainer.FitScheduleToTimeBudget |= settings.FitScheduleToTime;
        trainer.PooledValidationDice = settings.PooledValidationDice ?? trainer.PooledValidationDice;
        trainer.KeepBestModel = settings.KeepBest ?? settings.Folds is null;
        return trainer;
    }

    // Four slices per validation patient, those with the most liver, in z order.
    static void WriteOverlay(MLContext context, IDataView scored, string path, int imageSize)
    {
        var tiles = context.Data.CreateEnumerable<ScoredSlice>(scored, reuseRowObject: false)
            .GroupBy(r => r.PatientId)
            .SelectMany(g => g.OrderByDescending(r => r.Label.Count(v => v > 0)).Take(4).OrderBy(r => r.SliceIndex))
            .Select(r => new OverlayTile(MiddleChannel(r.Features, r.Label.Length), r.Label, r.PredictedMask)).ToList();
        OverlayImage.Write(path, tiles, imageSize, imageSize, columns: 4);
    }

    // The slice itself is the middle channel of 2.5D features.
    static float[] MiddleChannel(float[] features, int planeLength) =>
        features.AsSpan(features.Length / planeLength / 2 * planeLength, planeLength).ToArray();

    /// <summary>A scored validation slice, as read back for the overlays.</summary>
    sealed class ScoredSlice
    {
        public string PatientId { get; set; } = "";
        public int SliceIndex { get; set; }
        public float[] Features { get; set; } = [];
        public float[] Label { get; set; } = [];
        public float[] PredictedMask { get; set; } = [];
    }
}
