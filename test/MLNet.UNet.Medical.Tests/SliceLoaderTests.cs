using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Tests;

public class SliceLoaderTests
{
    [SkippableFact]
    public void RealDataGivesTheDocumentedSliceCountsAndABinaryLiverLabel()
    {
        var patients = PatientVolume.ReadFolder(SharedData.Require());
        Assert.Equal(15, patients.Count);
        var all = SliceLoader.Slices(patients, new SliceLoaderOptions { ImageSize = 64 });
        Assert.Equal(547, all.Count);
        Assert.Equal(344, all.Count(r => r.Label.Any(v => v > 0)));
        Assert.All(all, r => Assert.All(r.Label, v => Assert.True(v == 0 || v == 1)));
        Assert.All(all, r => Assert.Equal(64 * 64, r.Features.Length));

        var liverOnly = SliceLoader.Slices(patients, new SliceLoaderOptions { ImageSize = 64, EmptySliceFraction = 0 });
        Assert.Equal(344, liverOnly.Count);

        var kidney = new LabelMapping(new Dictionary<int, int> { [2] = 1 });
        var kidneySlices = SliceLoader.Slices(patients.Take(1), new SliceLoaderOptions { ImageSize = 64, Labels = kidney, EmptySliceFraction = 0 });
        Assert.NotEmpty(kidneySlices);
        Assert.NotEqual(liverOnly.Where(r => r.PatientId == patients[0].PatientId).Select(r => r.SliceIndex), kidneySlices.Select(r => r.SliceIndex));
    }

    [SkippableFact]
    public void SlicesBecomeAnIDataViewWhoseFeaturesDeclareTheirShape()
    {
        var patient = PatientVolume.ReadFolder(SharedData.Require(), ["2"]).Single();
        var context = new MLContext();
        var data = SliceLoader.Load(context, [patient], new SliceLoaderOptions { ImageSize = 96 });
        var features = (VectorDataViewType)data.Schema[nameof(SliceRow.Features)].Type;
        Assert.Equal([1, 96, 96], features.Dimensions.ToArray());
        Assert.Equal(patient.Image.SizeZ, data.GetColumn<int>(nameof(SliceRow.SliceIndex)).Count());
        Assert.All(data.GetColumn<string>(nameof(SliceRow.PatientId)), id => Assert.Equal("2", id));
    }

    [SkippableFact]
    public void KeptRegionsHoldEveryOrganWhileTheLabelHoldsTheLiverAndTheyReachUNetSegment()
    {
        var patient = PatientVolume.ReadFolder(SharedData.Require(), ["1"]);
        var rows = SliceLoader.Slices(patient, new SliceLoaderOptions { ImageSize = 64, KeepRegions = true });
        var values = rows.SelectMany(r => r.Regions).Distinct().Order().ToList();
        Assert.Equal([0f, 1f, 2f, 3f, 4f], values);
        Assert.All(rows, r => Assert.All(r.Label.Zip(r.Regions), p => Assert.Equal(p.Second == 1 ? 1f : 0f, p.First)));
        var view = SliceLoader.AsDataView(new MLContext(1), rows);
        Assert.Equal(64 * 64, ((VectorDataViewType)view.Schema[nameof(SliceRow.Regions)].Type).Size);
        var withoutRegions = SliceLoader.AsDataView(new MLContext(1), SliceLoader.Slices(patient, new SliceLoaderOptions { ImageSize = 64 }));
        Assert.False(((VectorDataViewType)withoutRegions.Schema[nameof(SliceRow.Regions)].Type).IsKnownSize);
        Assert.All(new MLContext(1).Data.CreateEnumerable<SliceRow>(withoutRegions, reuseRowObject: false), r => Assert.Empty(r.Regions));

        // UNetSegment reads the column for augmentation and trains with it.
        var options = new MLNet.UNet.Segment.UNetSegmentOptions
        {
            FeatureColumnName = nameof(SliceRow.Features), LabelColumnName = nameof(SliceRow.Label), AugmentationRegionColumnName = nameof(SliceRow.Regions),
            Network = new MLNet.UNet.Networks.UNetOptions { Depth = 2, BaseFilters = 4 }, ValidationFraction = 0,
            Trainer = { Epochs = 1, BatchSize = 8, Augmentation = new MLNet.UNet.Transforms.AugmentationOptions { RegionIntensityProbability = 1 } },
        };
        var context = new MLContext(1);
        using var model = (IDisposable)context.Segmentation().UNetSegment(options).Fit(view);
    }

    [Fact]
    public void NeighbourSlicesBecomeChannelsWithTheSliceInTheMiddleAndTheEdgesRepeated()
    {
        // A non-square volume whose every voxel differs, resized to a size of neither side: each channel must be
        // exactly the resized normalized slice it stands for.
        const int sizeX = 6, sizeY = 4, depth = 5, size = 8;
        var values = new float[sizeX * sizeY * depth];
        for (int i = 0; i < values.Length; i++)
            values[i] = i / (sizeX * sizeY) * 100 + i % (sizeX * sizeY);
        var image = new Volume(values, sizeX, sizeY, depth);
        var patient = new PatientVolume("p", image, image.WithData(new float[values.Length]));
        var normalized = new IntensityNormalization().Apply(image);
        float[] Expected(int z) =>
            SliceResampler.Bilinear(normalized.AsSpan(z * sizeX * sizeY, sizeX * sizeY).ToArray(), sizeY, sizeX, size, size);

        var single = SliceLoader.Slices([patient], new SliceLoaderOptions { ImageSize = size });
        var stacked = SliceLoader.Slices([patient], new SliceLoaderOptions { ImageSize = size, NeighbourSlices = 1 });
        Assert.Equal(depth, stacked.Count);
        for (int z = 0; z < depth; z++)
        {
            Assert.Equal(3 * size * size, stacked[z].Features.Length);
            var channels = Enumerable.Range(0, 3).Select(c => stacked[z].Features.AsSpan(c * size * size, size * size).ToArray()).ToArray();
            Assert.Equal(single[z].Features, channels[1]);
            Assert.Equal(Expected(z), channels[1]);
            Assert.Equal(Expected(Math.Max(z - 1, 0)), channels[0]);
            Assert.Equal(Expected(Math.Min(z + 1, depth - 1)), channels[2]);
        }
        Assert.NotEqual(Expected(0), Expected(1));

        var data = SliceLoader.AsDataView(new MLContext(), stacked);
        Assert.Equal([3, size, size], ((VectorDataViewType)data.Schema[nameof(SliceRow.Features)].Type).Dimensions.ToArray());
        var tooMany = Assert.Throws<ArgumentException>(() => SliceLoader.Slices([patient], new SliceLoaderOptions { NeighbourSlices = 9 }));
        Assert.Contains("NeighbourSlices must be in [0, 8], got 9", tooMany.Message);
        var mixed = Assert.Throws<ArgumentException>(() => SliceLoader.AsDataView(new MLContext(), [single[0], stacked[1]]));
        Assert.Contains("Slice 1 of patient p has 192 feature values", mixed.Message);
        var pngFolder = Path.Combine(Path.GetTempPath(), "unet-slices-" + Guid.NewGuid().ToString("N"));
        Assert.Contains("NeighbourSlices = 0", Assert.Throws<ArgumentException>(() => SlicePngWriter.Write(stacked, pngFolder)).Message);
        Assert.False(Directory.Exists(pngFolder));
    }

    [Fact]
    public void SlicesShrunkByMoreThanTwoAreAveragedNotSampled()
    {
        // A bright column in every four: a 4x shrink must see a quarter of it everywhere; bilinear would read the two
        // dark middle columns of each block and miss it.
        const int side = 64, size = 16;
        var values = new float[side * side];
        for (int i = 0; i < values.Length; i++)
            values[i] = i % 4 == 0 ? 1 : 0;
        var image = new Volume(values, side, side, 1);
        var patient = new PatientVolume("p", image, image.WithData(new float[values.Length]));
        var normalized = new IntensityNormalization().Apply(image);
        var features = SliceLoader.Slices([patient], new SliceLoaderOptions { ImageSize = size })[0].Features;
        Assert.All(features, v => Assert.Equal((normalized[0] + 3 * normalized[1]) / 4, v, 5));
        Assert.All(SliceResampler.Bilinear(normalized, side, side, size, size), v => Assert.Equal(normalized[1], v, 5));
        Assert.Equal(SliceResampler.Area(normalized, side, side, size, size), features);
        // Up to 2x the loader stays bilinear, as every model so far was trained.
        Assert.Equal(SliceResampler.Bilinear(normalized, side, side, 32, 32), SliceLoader.Slices([patient], new SliceLoaderOptions { ImageSize = 32 })[0].Features);
        Assert.Equal(SliceResampler.Bilinear(normalized, side, side, 40, 40), SliceResampler.Intensities(normalized, side, side, 40, 40));
    }

    [Fact]
    public void NormalizationClipsToPercentilesThenScales()
    {
        var values = Enumerable.Range(0, 1000).Select(i => (float)i).ToArray();
        values[999] = 1e6f;
        var volume = new Volume(values, 10, 10, 10);
        var unit = new IntensityNormalization { Scaling = IntensityScaling.UnitRange, LowerPercentile = 1, UpperPercentile = 99 }.Apply(volume);
        Assert.Equal(0, unit.Min(), 6);
        Assert.Equal(1, unit.Max(), 6);
        var z = new IntensityNormalization().Apply(volume);
        Assert.Equal(0, z.Average(v => (double)v), 4);
        Assert.Equal(1, Math.Sqrt(z.Average(v => (double)v * v)), 4);
        values[3] = float.NaN;
        Assert.Contains("1 NaN or infinite voxels", Assert.Throws<InvalidDataException>(() => new IntensityNormalization().Apply(volume, "test volume")).Message);
    }

    [Fact]
    public void PatientSplitsNeverShareAPatientAndKFoldValidatesEachOnce()
    {
        var ids = Enumerable.Range(1, 15).Select(i => i.ToString()).ToList();
        var split = PatientSplit.TrainValidation(ids, 3, seed: 1);
        Assert.Equal(3, split.Validation.Count);
        Assert.Empty(split.Training.Intersect(split.Validation));
        Assert.Equal(15, split.Training.Union(split.Validation).Count());
        Assert.Equal(split, PatientSplit.TrainValidation(ids, 3, seed: 1), new FoldComparer());
        var folds = PatientSplit.KFold(ids, 5, seed: 1);
        Assert.Equal(5, folds.Count);
        Assert.All(folds, f => Assert.Empty(f.Training.Intersect(f.Validation)));
        Assert.Equal(ids.Order(), folds.SelectMany(f => f.Validation).Order());
        Assert.Throws<ArgumentException>(() => PatientSplit.TrainValidation(ids, 15, 1));
    }

    sealed class FoldComparer : IEqualityComparer<PatientFold>
    {
        public bool Equals(PatientFold? a, PatientFold? b) => a!.Training.SequenceEqual(b!.Training) && a.Validation.SequenceEqual(b.Validation);
        public int GetHashCode(PatientFold f) => f.Validation.Count;
    }
}
