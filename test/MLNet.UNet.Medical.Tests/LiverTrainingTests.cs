using MLNet.UNet.Data;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Training;
using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using Xunit.Abstractions;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Short, bounded training runs on real patients (the full run is the LiverMri example).</summary>
public sealed class LiverTrainingTests(ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-liver-tests-").FullName;

    // The Dice is pooled over all of patient 8's slices (the 3D Dice at 64 x 64): a network that predicts nothing scores 0 on it,
    // where a mean of per-slice Dice would give it 1 on every slice without liver, about a third of them.
    [SkippableFact]
    public void TrainingOnOnePatientLiftsTheOthersDiceFarAboveAnUntrainedNetwork()
    {
        var patients = PatientVolume.ReadFolder(SharedData.Require(), ["2", "8"]);
        var options = new SliceLoaderOptions { ImageSize = 64 };
        var trainRows = SliceLoader.Slices(patients.Where(p => p.PatientId == "2"), options);
        var validationRows = SliceLoader.Slices(patients.Where(p => p.PatientId == "8"), options);
        using var training = SegmentationDataset.FromArrays(trainRows.Select(r => r.Features).ToList(), trainRows.Select(r => r.Label).ToList(), 1, 64, 64);
        using var validation = SegmentationDataset.FromArrays(validationRows.Select(r => r.Features).ToList(), validationRows.Select(r => r.Label).ToList(), 1, 64, 64);
        using var trainer = new UNetTrainer(new UNetOptions { Depth = 3, BaseFilters = 8, BatchNorm = true },
            new TrainerOptions { Epochs = 25, BatchSize = 4, LearningRate = 3e-3, Seed = 1, TimeBudget = TimeSpan.FromMinutes(2), PooledValidationDice = true });
        var (_, untrained) = trainer.Evaluate(validation, 8);
        var result = trainer.Fit(training, validation);
        output.WriteLine($"pooled validation Dice: untrained {untrained:F3}, best {result.BestValidationDice:F3} after {result.History.Count} epochs");
        Assert.True(result.BestValidationDice > 0.6 && result.BestValidationDice > untrained + 0.3, $"untrained {untrained:F3}, trained {result.BestValidationDice:F3}");
    }

    [SkippableFact]
    public void SlicesWrittenAsPngsTrainThroughTheImagePipelineAndEvaluateIn3D()
    {
        var patient = PatientVolume.ReadFolder(SharedData.Require(), ["3"]).Single();
        var rows = SliceLoader.Slices([patient], new SliceLoaderOptions { ImageSize = 64 });
        var pairs = SlicePngWriter.Write(rows, folder);
        Assert.Equal(rows.Count * 2, Directory.GetFiles(folder, "*.png").Length);

        var context = new MLContext(seed: 1);
        var files = context.Data.LoadFromEnumerable(pairs.Select(p => new Files { ImagePath = p.ImagePath, MaskPath = p.MaskPath }).ToList());
        var labelled = context.Transforms.LoadImages("MaskImage", null, nameof(Files.MaskPath))
            .Append(context.Transforms.ResizeImages("MaskImage", 64, 64, "MaskImage"))
            .Append(context.Transforms.ExtractPixels("Label", "MaskImage", ImagePixelExtractingEstimator.ColorBits.Red))
            .Fit(files).Transform(files);
        using var model = context.Transforms.LoadImages("Image", null, nameof(Files.ImagePath))
            .Append(context.Transforms.ResizeImages("Image", 64, 64, "Image"))
            .Append(context.Transforms.ExtractPixels("Features", "Image", ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
            .Append(context.Segmentation().UNetSegment(new UNetSegmentOptions
            {
                Network = new UNetOptions { Depth = 2, BaseFilters = 4 }, Trainer = { Epochs = 1, BatchSize = 8 }, ValidationFraction = 0,
            }))
            .Fit(labelled);

        var scored = model.Transform(labelled);
        var slices = context.Data.CreateEnumerable<Scored>(scored, reuseRowObject: false).ToList();
        Assert.Equal(rows.Count, slices.Count);
        var report = VolumeEvaluator.Evaluate(
            context.Data.LoadFromEnumerable(rows.Zip(slices, (r, s) => new ScoredSlice { PatientId = r.PatientId, SliceIndex = r.SliceIndex, Probability = s.Probability }).ToList()),
            [patient], LabelMapping.Liver);
        Assert.Single(report.Patients);
        Assert.InRange(report.Patients[0].Metrics.Dice, 0, 1);
        Assert.Equal(patient.Label.SizeZ, report.Patients[0].SliceDice.Count);
    }

    sealed class Files
    {
        public string ImagePath { get; set; } = "";
        public string MaskPath { get; set; } = "";
    }

    sealed class Scored
    {
        public float[] Probability { get; set; } = [];
    }

    sealed class ScoredSlice
    {
        public string PatientId { get; set; } = "";
        public int SliceIndex { get; set; }
        public float[] Probability { get; set; } = [];
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
