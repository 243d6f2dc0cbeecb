using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet;
using MLNet.UNet.Examples;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Recipes;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Training;
using MLNet.UNet.Visualization;

// Liver in abdominal MRI (CHAOS T2-SPIR): trains a U-Net on a patient split of the shared data, evaluates the
// validation patients in 3D, and writes metrics, overlays, a training curve and the model zip.
// Usage: dotnet run -c Release --project src/Examples/LiverMri -- [--data DIR] [--output DIR] [--minutes M]
//        [--epochs N] [--size S] [--preset small|medium|seed] [--neighbour-slices K] [--empty-slices F] [--validation-patients K] [--seed N]
//        [--base-filters F] [--weight-averaging DECAY] [--elastic P] [--dice batch|image] [--validation-dice pooled|image]
//        [--fit-schedule-to-time]
var settings = LiverMriSettings.Parse(args);
if (settings is null)
    return 1;
var dataFolder = settings.DataFolder ?? LiverMriSettings.FindSharedData();
if (dataFolder is null || !Directory.Exists(dataFolder))
{
    Console.Error.WriteLine("The CHAOS data was not found (looked for shared/data/chaos-mr-t2 beside the repository); " +
                            "pass --data <folder with image_<id>.nii.gz and label_<id>.nii.gz>.");
    return 1;
}
var clock = Stopwatch.StartNew();
Directory.CreateDirectory(settings.OutputFolder);
Console.WriteLine($"Reading CHAOS MR T2-SPIR volumes from {dataFolder} ...");
var patients = PatientVolume.ReadFolder(dataFolder);
var fold = PatientSplit.TrainValidation(patients.Select(p => p.PatientId), settings.ValidationPatients, settings.Seed);
var training = patients.Where(p => fold.Training.Contains(p.PatientId)).ToList();
var validation = patients.Where(p => fold.Validation.Contains(p.PatientId)).ToList();
Console.WriteLine($"{patients.Count} patients: training on {string.Join(", ", fold.Training)}; validating on {string.Join(", ", fold.Validation)}.");

var context = new MLContext(seed: settings.Seed);
var trainingOptions = LiverMriRecipe.Slices(training: true, settings.ImageSize, settings.NeighbourSlices, settings.EmptySlices, settings.Seed);
var trainingSlices = SliceLoader.Load(context, training, trainingOptions);
var validationSlices = SliceLoader.Load(context, validation, LiverMriRecipe.Slices(training: false, settings.ImageSize, settings.NeighbourSlices));
Console.WriteLine($"{trainingSlices.GetRowCount() ?? trainingSlices.GetColumn<int>(nameof(SliceRow.SliceIndex)).Count()} training slices " +
                  $"(all with liver, {settings.EmptySlices:P0} of those without), {validationSlices.GetColumn<int>(nameof(SliceRow.SliceIndex)).Count()} validation slices.");

var network = settings.Preset switch
{
    "seed" => UNetOptions.Seed(),
    "small" => new UNetOptions { Depth = 4, BaseFilters = 16, BatchNorm = true },
    _ => LiverMriRecipe.Network(),
};
network.InputChannels = trainingOptions.Channels;
network.BaseFilters = settings.BaseFilters ?? network.BaseFilters;
var trainer = LiverMriRecipe.Trainer(settings.Epochs, TimeSpan.FromMinutes(settings.Minutes));
if (settings.WeightAveraging is { } decay)
    trainer.WeightAveragingDecay = decay > 0 ? decay : null;
trainer.BatchDice = settings.BatchDice ?? trainer.BatchDice;
trainer.Augmentation.ElasticProbability = settings.Elastic ?? trainer.Augmentation.ElasticProbability;
trainer.FitScheduleToTimeBudget |= settings.FitScheduleToTime;
trainer.PooledValidationDice = settings.PooledValidationDice ?? trainer.PooledValidationDice;
var progress = new ConsoleProgress();
var pipeline = context.Segmentation().UNetSegment(new UNetSegmentOptions
    {
        FeatureColumnName = nameof(SliceRow.Features), LabelColumnName = nameof(SliceRow.Label),
        Network = network, Trainer = trainer, ValidationSet = validationSlices, Progress = progress.Report,
    })
    .Append(context.Segmentation().Threshold("PredictedMask", "Probability"));
Console.WriteLine($"Training a U-Net (depth {network.Depth}, base {network.BaseFilters}, batch norm) on {settings.ImageSize}x{settings.ImageSize} slices " +
                  $"with {network.InputChannels} channel(s) ({settings.NeighbourSlices} neighbour slice(s) on each side), " +
                  $"{(trainer.BatchDice ? "batch" : "per-image")} Dice, {(trainer.PooledValidationDice ? "pooled" : "per-slice")} validation Dice, weight averaging {trainer.WeightAveragingDecay?.ToString() ?? "off"}, " +
                  $"elastic deformation {trainer.Augmentation.ElasticProbability:P0} of slices, " +
                  $"up to {settings.Epochs} epochs or {settings.Minutes} minutes{(trainer.FitScheduleToTimeBudget ? ", the learning rate annealed over the minutes" : "")} ...");
var model = pipeline.Fit(trainingSlices);
var segment = ((IEnumerable<ITransformer>)model).OfType<UNetSegmentTransformer>().Single();
progress.Done();
Console.WriteLine($"Trained {segment.TrainingHistory.Count} epochs in {clock.Elapsed:hh\\:mm\\:ss}; best 2D validation Dice {segment.BestValidationDice:F4} at epoch {segment.BestEpoch}.");

var scored = model.Transform(validationSlices);
var report = context.Segmentation().EvaluateVolumes(scored, validation, LabelMapping.Liver);
Console.WriteLine();
Console.WriteLine("3D liver metrics of the validation patients (volume grid 256 x 256, spacing from the NIfTI header):");
Console.WriteLine(report.ToTable());
var metricsPath = Path.Combine(settings.OutputFolder, "metrics.json");
report.WriteJson(metricsPath);

var rows = context.Data.CreateEnumerable<ScoredSlice>(scored, reuseRowObject: false).ToList();
var tiles = rows.GroupBy(r => r.PatientId)
    .SelectMany(g => g.OrderByDescending(r => r.Label.Count(v => v > 0)).Take(4).OrderBy(r => r.SliceIndex))
    .Select(r => new OverlayTile(MiddleChannel(r.Features, r.Label.Length), r.Label, r.PredictedMask)).ToList();
var overlayPath = Path.Combine(settings.OutputFolder, "overlay.png");
OverlayImage.Write(overlayPath, tiles, settings.ImageSize, settings.ImageSize, columns: 4);
var curvePath = Path.Combine(settings.OutputFolder, "training-curve.png");
TrainingCurveImage.Write(curvePath, segment.TrainingHistory, "U-Net training, CHAOS MR T2-SPIR liver");
var modelPath = Path.Combine(settings.OutputFolder, "liver-unet.zip");
AtomicFile.Write(modelPath, stream => context.Model.Save(model, trainingSlices.Schema, stream));

Console.WriteLine($"Wrote {metricsPath}");
Console.WriteLine($"Wrote {overlayPath} (one row per validation patient; green: true contour, red: predicted)");
Console.WriteLine($"Wrote {curvePath}");
Console.WriteLine($"Wrote {modelPath}");
Console.WriteLine($"Done in {clock.Elapsed:hh\\:mm\\:ss}.");
return 0;

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
