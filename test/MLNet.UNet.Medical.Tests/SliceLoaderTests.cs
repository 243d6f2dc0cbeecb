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
