using Microsoft.ML;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.PostProcessing;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Tests;

public class SliceSmoothingTests
{
    static float[] Values(IReadOnlyList<(int Slice, float[] Probability)> slices) => slices.Select(s => s.Probability[0]).ToArray();

    [Fact]
    public void EachSliceBecomesTheMeanOfTheNeighboursPresentInItsWindow()
    {
        (int, float[])[] slices = [(0, [0f]), (1, [0.9f]), (2, [0.3f])];

        var smoothed = SliceSmoothing.AcrossSlices(slices, radius: 1);

        Assert.Equal([0, 1, 2], smoothed.Select(s => s.Slice));
        Assert.Equal([0.45f, 0.4f, 0.6f], Values(smoothed), new FloatTolerance(1e-6f));
        Assert.Equal(0.9f, slices[1].Item2[0]);
    }

    [Fact]
    public void MissingSlicesAndOrderAreHandledByIndexNotByPosition()
    {
        (int, float[])[] slices = [(4, [0.3f]), (0, [0f])];

        Assert.Equal([0.3f, 0f], Values(SliceSmoothing.AcrossSlices(slices, radius: 1)));
        Assert.Equal([0.15f, 0.15f], Values(SliceSmoothing.AcrossSlices(slices, radius: 4)), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void RadiusZeroChangesNothingAndBadInputIsNamed()
    {
        (int, float[])[] slices = [(0, [0.2f, 0.4f]), (1, [0.6f, 0.8f])];
        Assert.Same(slices, SliceSmoothing.AcrossSlices(slices, radius: 0));
        Assert.Equal([0.4f, 0.4f], SliceSmoothing.AcrossSlices(slices, radius: int.MaxValue).Select(s => s.Probability[0]), new FloatTolerance(1e-6f));
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceSmoothing.AcrossSlices(slices, radius: -1));
        Assert.Contains("Slice 0 appears more than once",
            Assert.Throws<ArgumentException>(() => SliceSmoothing.AcrossSlices([(0, [0f]), (0, [1f])], 0)).Message);
        Assert.Contains("Slice 1 has 1 probabilities; slice 0 has 2",
            Assert.Throws<ArgumentException>(() => SliceSmoothing.AcrossSlices([(0, [0f, 0f]), (1, [0f])], 1)).Message);
        Assert.Contains("Slice 3 appears more than once",
            Assert.Throws<ArgumentException>(() => SliceSmoothing.AcrossSlices([(3, [0f]), (3, [1f])], 1)).Message);
    }

    [Fact]
    public void OnTheVolumeGridASingleSliceFalsePositiveIsOutvotedAndAConsistentOrganKept()
    {
        var grid = new Volume(new float[2 * 2 * 7], 2, 2, 7, 1, 1, 1);
        float[] organ = [0.9f, 0.9f, 0.9f, 0.9f], empty = [0f, 0f, 0f, 0f];
        (int, float[])[] slices = [(0, organ), (1, organ), (2, organ), (3, empty), (4, empty), (5, [0.9f, 0f, 0f, 0f]), (6, empty)];

        var plain = ProbabilityMask.OnGrid(slices, grid);
        var smoothed = ProbabilityMask.OnGrid(slices, grid, smoothingRadius: 1);

        Assert.Equal(13, plain.Count(v => v));
        Assert.Equal(12, smoothed.Count(v => v));
        Assert.All(smoothed[..12], Assert.True);
        Assert.True(plain[20]);
        Assert.False(smoothed[20]);
    }

    [Fact]
    public void ProbabilitiesAreResizedToTheGridsRowsAndColumns()
    {
        var grid = new Volume(new float[4 * 2], sizeX: 4, sizeY: 2, sizeZ: 1);
        // Left column probable, right column not: after resizing to 4 columns, the left half is foreground in both rows.
        var mask = ProbabilityMask.OnGrid([(0, [1f, 0f, 1f, 0f])], grid);
        Assert.Equal([true, true, false, false, true, true, false, false], mask);
    }

    [Fact]
    public void EachVoxelTakesItsLikeliestClassAndSlicesNotGivenStayBackground()
    {
        var grid = new Volume(new float[2 * 1 * 2], sizeX: 2, sizeY: 1, sizeZ: 2);
        // Slice 0 only, three classes of 1 x 1 pixel: class 2 wins, resized over the slice's two voxels.
        var probabilities = ProbabilityMask.ClassProbabilitiesOnGrid([(0, [0.2f, 0.3f, 0.5f])], 3, grid);
        Assert.Equal([0.2f, 0.2f, 0, 0, 0.3f, 0.3f, 0, 0, 0.5f, 0.5f, 0, 0], probabilities);

        var (classes, confidence) = ProbabilityMask.ClassMap(probabilities, 3);
        Assert.Equal([2, 2, 0, 0], classes);
        Assert.Equal([0.5f, 0.5f, 0, 0], confidence);
        var (tie, tieConfidence) = ProbabilityMask.ClassMap([0.4f, 0.4f], 2);
        Assert.Equal([0], tie); // a tie goes to the lower class
        Assert.Equal([0.4f], tieConfidence);
        Assert.Throws<ArgumentException>(() => ProbabilityMask.ClassMap([0.1f, 0.2f, 0.7f], 2));
    }

    [Fact]
    public void TheVolumeEvaluationSmoothsWhenAskedAndOnlyThen()
    {
        var label = new float[2 * 2 * 7];
        Array.Fill(label, 1f, 0, 12);
        var image = new Volume(new float[label.Length], 2, 2, 7, 1, 1, 1);
        var patient = new PatientVolume("p", image, image.WithData(label));
        float[] organ = [0.9f, 0.9f, 0.9f, 0.9f], empty = [0f, 0f, 0f, 0f];
        float[][] probabilities = [organ, organ, organ, empty, empty, [0.9f, 0f, 0f, 0f], empty];
        var context = new MLContext(seed: 1);
        var scored = context.Data.LoadFromEnumerable(probabilities.Select((p, z) => new ScoredRow { PatientId = "p", SliceIndex = z, Probability = p }));

        var plain = context.Segmentation().EvaluateVolumes(scored, [patient]).Patients.Single().Metrics;
        var smoothed = context.Segmentation().EvaluateVolumes(scored, [patient], smoothingRadius: 1).Patients.Single().Metrics;

        Assert.Equal(2.0 * 12 / (13 + 12), plain.Dice, 1e-9);
        Assert.Equal(1.0, smoothed.Dice, 1e-9);
        Assert.Throws<ArgumentOutOfRangeException>(() => context.Segmentation().EvaluateVolumes(scored, [patient], smoothingRadius: -1));
    }

    sealed class ScoredRow
    {
        public string PatientId { get; set; } = "";
        public int SliceIndex { get; set; }
        [Microsoft.ML.Data.VectorType(4)] public float[] Probability { get; set; } = [];
    }

    [Fact]
    public void ProbabilitiesThatDoNotFitTheVolumeAreRefused()
    {
        var grid = new Volume(new float[2 * 2 * 3], 2, 2, 3, 1, 1, 1);
        Assert.Contains("Slice 3 is outside the volume's 0..2",
            Assert.Throws<InvalidDataException>(() => ProbabilityMask.OnGrid([(3, new float[4])], grid)).Message);
        Assert.Contains("not a square slice",
            Assert.Throws<InvalidDataException>(() => ProbabilityMask.OnGrid([(0, new float[3])], grid)).Message);
    }

    sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float value) => 0;
    }
}
