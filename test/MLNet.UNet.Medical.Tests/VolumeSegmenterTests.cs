using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using Microsoft.ML;

namespace MLNet.UNet.Medical.Tests;

/// <summary>The one volume path: it takes the model's own threshold, and evaluates what it predicts.</summary>
public class VolumeSegmenterTests
{
    [Fact]
    public void TheModelsOwnThresholdDecidesTheMaskUnlessTheOptionsSetOne()
    {
        var context = new MLContext(seed: 1);
        var patients = new[] { SyntheticPatients.Ball("a", 8), SyntheticPatients.Ball("b", 10) };
        var slices = new SliceLoaderOptions { ImageSize = 32 };
        var model = context.Segmentation().UNetSegment(new UNetSegmentOptions
            {
                Network = new UNetOptions { Depth = 2, BaseFilters = 4 }, Trainer = { Epochs = 1, BatchSize = 4, Seed = 1 }, ValidationFraction = 0,
            })
            .Append(context.Segmentation().Threshold("PredictedMask", "Probability", threshold: 0.9f))
            .Fit(SliceLoader.Load(context, patients, slices));

        var own = new VolumeSegmenter(context, model, slices);
        Assert.Equal(0.9f, own.Threshold);
        var segmentation = own.Segment("b", patients[1].Image);
        Assert.Equal(segmentation.Probabilities.Select(p => p > 0.9f), segmentation.RawMask.Voxels);

        var lower = new VolumeSegmenter(context, model, slices, new VolumeSegmenterOptions { Threshold = 0.3f });
        Assert.Equal(0.3f, lower.Threshold);
        Assert.Equal(lower.Segment("b", patients[1].Image).Probabilities.Select(p => p > 0.3f), lower.Segment("b", patients[1].Image).RawMask.Voxels);

        // A model that finds no organ in any volume (here: one epoch of a tiny network, with a threshold it never reaches)
        // has no plausibility record to learn; one that finds some has.
        var nothing = new VolumeSegmenter(context, model, slices, new VolumeSegmenterOptions { Threshold = 0.999999f });
        Assert.All(patients, p => Assert.DoesNotContain(true, nothing.Segment(p.PatientId, p.Image).RawMask.Voxels));
        Assert.Null(nothing.Record(patients.Select(p => (p.PatientId, p.Image))));
        Assert.Equal(2, lower.Record(patients.Select(p => (p.PatientId, p.Image)))!.Cases);

        // Without a Threshold component, the default.
        var probabilitiesOnly = ((IEnumerable<ITransformer>)model).First();
        Assert.Equal(VolumeSegmenterOptions.Defaults.Threshold, new VolumeSegmenter(context, probabilitiesOnly, slices).Threshold);

        // Saved and loaded, the pipeline holds its threshold as an ONNX graph: ModelKind reads it back from the zip.
        var zip = Path.Combine(Path.GetTempPath(), $"unet-threshold-{Guid.NewGuid():N}.zip");
        try
        {
            context.Model.Save(model, SliceLoader.Load(context, patients, slices).Schema, zip);
            var (loaded, kind, _) = ModelKind.Load(context, new FileInfo(zip));
            using var disposeLoaded = (IDisposable)loaded;
            Assert.Null(ThresholdTransformer.FindIn(loaded));
            Assert.Equal(0.9f, kind.Threshold);
            var reloadedSegmenter = new VolumeSegmenter(context, loaded, slices, new VolumeSegmenterOptions { Threshold = kind.Threshold });
            Assert.Equal(0.9f, reloadedSegmenter.Threshold);
            Assert.Equal(segmentation.RawMask.Voxels, reloadedSegmenter.Segment("b", patients[1].Image).RawMask.Voxels);
        }
        finally
        {
            File.Delete(zip);
        }

        var report = own.Evaluate(patients, LabelMapping.Liver);
        Assert.Equal(["a", "b"], report.Patients.Select(p => p.PatientId));
        var truth = LabelMapping.Liver.Foreground(patients[1].Label);
        int both = segmentation.RawMask.Voxels.Zip(truth).Count(v => v.First && v.Second);
        int total = segmentation.RawMask.Voxels.Count(v => v) + truth.Count(v => v);
        Assert.Equal(total == 0 ? 1 : 2.0 * both / total, report.Patients[1].Metrics.Dice, 9);
    }

    [Fact]
    public void SlicesOfAnySizeAreScoredInASlidingWindowOnTheirOwnGrid()
    {
        var context = new MLContext(seed: 1);
        var patients = new[] { SyntheticPatients.Ball("a", 9, size: 30), SyntheticPatients.Ball("b", 11, size: 30), SyntheticPatients.Ball("c", 7, size: 30) };
        var slices = new SliceLoaderOptions { ImageSize = 30 }; // no multiple of the network's 4
        var model = context.Segmentation().UNetSegment(new UNetSegmentOptions
            {
                Network = new UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true }, Trainer = { Epochs = 30, BatchSize = 6, Seed = 1, LearningRate = 3e-3 },
                ValidationFraction = 0, SlidingWindow = new UNet.Inference.SlidingWindowOptions { TileSize = 16 },
            })
            .Append(context.Segmentation().Threshold("PredictedMask", "Probability"))
            .Fit(SliceLoader.Load(context, patients, slices));

        var report = new VolumeSegmenter(context, model, slices).Evaluate([SyntheticPatients.Ball("d", 10, size: 30)], LabelMapping.Liver);
        Assert.True(report.Patients[0].Metrics.Dice > 0.8, $"3D Dice {report.Patients[0].Metrics.Dice:F3}");
    }
}
