using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using Microsoft.ML;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Test-time shifts: every way of cutting a shrunk slice's blocks, each pass put back where it came from.</summary>
public class TestTimeShiftTests
{
    [Theory]
    [InlineData(256, 256, 128, 4)]
    [InlineData(256, 256, 256, 1)]
    [InlineData(288, 288, 128, 4)] // a 2.25x shrink: two ways along each axis
    [InlineData(384, 256, 128, 6)]
    [InlineData(100, 100, 128, 1)] // enlarged, not shrunk
    public void OnePassForEachWayOfCuttingTheBlocks(int sizeY, int sizeX, int networkSize, int passes)
    {
        var offsets = TestTimeShifts.Offsets(sizeY, sizeX, networkSize);
        Assert.Equal(passes, offsets.Count);
        Assert.Equal((0, 0), offsets[0]);
        Assert.Equal(offsets.Count, offsets.Distinct().Count());
        Assert.Equal([(0, 0)], TestTimeShifts.Offsets(sizeY, sizeX, null));
    }

    [Fact]
    public void MovingTakesTheValueFurtherOnAndRepeatsTheEdge()
    {
        var grid = new Volume(new float[3 * 4 * 2], 3, 4, 2);
        var values = Enumerable.Range(0, grid.Data.Length).Select(i => (float)i).ToArray();

        var moved = TestTimeShifts.Move(values, grid, 1, 2);

        Assert.Equal(values[(0 * 4 + 1) * 3 + 2], moved[0]); // (x 0, y 0) takes (x 2, y 1)
        Assert.Equal(values[(1 * 4 + 3) * 3 + 2], moved[(1 * 4 + 3) * 3 + 1]); // past the edge: the last row and column
        var back = TestTimeShifts.Move(moved, grid, -1, -2);
        for (int z = 0; z < 2; z++)
            for (int y = 1; y < 3; y++) // rows and columns that were not repeated come back
                Assert.Equal(values[(z * 4 + y) * 3 + 2], back[(z * 4 + y) * 3 + 2]);
        Assert.Throws<ArgumentException>(() => TestTimeShifts.Move(new float[5], grid, 1, 0));
    }

    [Fact]
    public void EachPassIsPutBackWhereItCameFrom()
    {
        // A "network" that returns its input unchanged: every pass, moved back, is the image again, so the mean is the
        // image wherever no edge was repeated. A pass moved back the wrong way would sit two voxels off.
        var random = new Random(3);
        var image = new Volume(Enumerable.Range(0, 8 * 8 * 3).Select(_ => (float)random.NextDouble()).ToArray(), 8, 8, 3);
        int passes = 0;

        var mean = TestTimeShifts.Average(image, 4, moved => { passes++; return moved.Data; });

        Assert.Equal(4, passes);
        for (int z = 0; z < 3; z++)
            for (int y = 1; y < 8; y++) // row and column 0 were repeated by the passes moved by one voxel
                for (int x = 1; x < 8; x++)
                    Assert.Equal(image[x, y, z], mean[(z * 8 + y) * 8 + x], 6);
    }

    [Fact]
    public void ASegmenterWithShiftsGivesTheMeanOfThePassesMovedBack()
    {
        var context = new MLContext(seed: 1);
        var patients = new[] { SyntheticPatients.Ball("a", 9), SyntheticPatients.Ball("b", 12) };
        var shrunk = new SliceLoaderOptions { ImageSize = 16 };
        var model = context.Segmentation().UNetSegment(new UNetSegmentOptions
            {
                Network = new UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true }, Trainer = { Epochs = 30, BatchSize = 6, Seed = 1, LearningRate = 3e-3 },
                ValidationFraction = 0,
            })
            .Append(context.Segmentation().Threshold("PredictedMask", "Probability"))
            .Fit(SliceLoader.Load(context, patients, shrunk));
        var test = SyntheticPatients.Ball("c", 10);

        var once = new VolumeSegmenter(context, model, shrunk).Segment("c", test.Image);
        var shifted = new VolumeSegmenter(context, model, shrunk, new VolumeSegmenterOptions { TestTimeShifts = true }).Segment("c", test.Image);

        // Four passes over 32 x 32 slices shrunk to 16: the mean of the four, each moved back, is what comes out.
        var expected = new double[test.Image.Data.Length];
        foreach (var (y, x) in TestTimeShifts.Offsets(32, 32, 16))
        {
            var moved = test.Image.WithData(TestTimeShifts.Move(test.Image.Data, test.Image, y, x));
            var back = TestTimeShifts.Move(new VolumeSegmenter(context, model, shrunk).Segment("c", moved).Probabilities, test.Image, -y, -x);
            for (int i = 0; i < expected.Length; i++)
                expected[i] += back[i] / 4;
        }
        Assert.Equal(expected.Select(p => (float)p), shifted.Probabilities, (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.NotEqual(once.Probabilities, shifted.Probabilities);
        var truth = LabelMapping.Liver.Foreground(test.Label);
        Assert.True(Dice(shifted.RawMask.Voxels, truth) > 0.8, $"3D Dice {Dice(shifted.RawMask.Voxels, truth):F3}");
    }

    static double Dice(bool[] predicted, bool[] truth)
    {
        int both = predicted.Zip(truth).Count(v => v.First && v.Second);
        return 2.0 * both / (predicted.Count(v => v) + truth.Count(v => v));
    }
}
