using System.IO.Compression;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.PostProcessing;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Transforms;
using Xunit.Abstractions;

namespace MLNet.UNet.Medical.Tests;

/// <summary>
/// Labels shrunk by nearest neighbour sit off the images' pixel centres; a model's probabilities are put back on a
/// volume's grid from where its training placed them.
/// </summary>
public sealed class OutputShiftTests(ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-output-shift-").FullName;

    [Theory]
    [InlineData(256, 128, 0.25)] // the lower-right pixel of each 2 x 2 block
    [InlineData(256, 64, 0.125)] // pixel 2 of each 4
    [InlineData(384, 128, 0)] // the middle pixel of each 3
    [InlineData(320, 128, 0)] // 2.5x: a tenth of a pixel one way, then the other
    [InlineData(128, 128, 0)]
    public void NearestShiftIsWhereTheNearestPixelLiesOnAverage(int size, int newSize, double expected) =>
        Assert.Equal(expected, SliceResampler.NearestShift(size, newSize), 9);

    [Fact]
    public void BilinearReadsTheSourceFromWhereItsValuesSit()
    {
        // A ramp along x whose values sit a quarter pixel right of the centres: upsampled 2x, each new pixel reads the
        // ramp at its own position, a quarter of a source pixel less than from the centres.
        var ramp = new float[4 * 4];
        for (int i = 0; i < ramp.Length; i++)
            ramp[i] = i % 4;
        var centred = SliceResampler.Bilinear(ramp, 4, 4, 8, 8);
        var shifted = SliceResampler.Bilinear(ramp, 4, 4, 8, 8, sourceShiftY: 0, sourceShiftX: 0.25);
        for (int x = 2; x < 6; x++)
        {
            Assert.Equal((x + 0.5) / 2 - 0.5, centred[3 * 8 + x], 5);
            Assert.Equal((x + 0.5) / 2 - 0.75, shifted[3 * 8 + x], 5);
        }
        Assert.Throws<ArgumentException>(() => SliceResampler.Bilinear(ramp, 4, 4, 8, 8, double.NaN, 0));
    }

    [Fact]
    public void ALabelShrunkByNearestNeighbourComesBackInPlaceFromWhereItWasLearned()
    {
        // Ellipses at random sub-voxel places, shrunk 2x by nearest neighbour as training labels are, stand for a perfect
        // network's output; one ellipse's rounding is noise, so the means over many are compared.
        const int size = 96, small = 48, shapes = 24;
        var random = new Random(3);
        double centredX = 0, centredY = 0, placedX = 0, placedY = 0, centredDice = 0, placedDice = 0;
        OutputShift? shift = null;
        for (int k = 0; k < shapes; k++)
        {
            double cx = 40 + 10 * random.NextDouble(), cy = 40 + 10 * random.NextDouble(), rx = 12 + 12 * random.NextDouble(), ry = 10 + 10 * random.NextDouble();
            var label = new float[size * size];
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    label[y * size + x] = Math.Pow((x + 0.5 - cx) / rx, 2) + Math.Pow((y + 0.5 - cy) / ry, 2) <= 1 ? 1 : 0;
            var grid = new Volume(label, size, size, 1);
            shift ??= OutputShift.Learned([new PatientVolume("p", grid, grid)], new SliceLoaderOptions { ImageSize = small }, AugmentationOptions.None);
            (int, float[])[] slices = [(0, SliceResampler.Nearest(label, size, size, small, small))];
            var truth = Array.ConvertAll(label, v => v > 0);
            var centred = ProbabilityMask.OnGrid(slices, grid);
            var placed = ProbabilityMask.OnGrid(slices, grid, shift: shift);
            var (truthX, truthY) = Centroid(truth, size);
            var (x1, y1) = Centroid(centred, size);
            var (x2, y2) = Centroid(placed, size);
            (centredX, centredY, placedX, placedY) = (centredX + (truthX - x1) / shapes, centredY + (truthY - y1) / shapes, placedX + (truthX - x2) / shapes, placedY + (truthY - y2) / shapes);
            centredDice += Dice(truth, centred) / shapes;
            placedDice += Dice(truth, placed) / shapes;
        }
        output.WriteLine($"mean centroid error: from the centres ({centredX:F3}, {centredY:F3}), from the shift ({placedX:F3}, {placedY:F3}); " +
                         $"mean Dice {centredDice:F4} and {placedDice:F4}");
        Assert.Equal(new OutputShift(0.25, 0.25), shift);
        // From the pixels' centres the masks come back half a voxel up and left; from where they were learned, in place.
        Assert.InRange(centredX, 0.4, 0.6);
        Assert.InRange(centredY, 0.4, 0.6);
        Assert.InRange(Math.Abs(placedX), 0, 0.1);
        Assert.InRange(Math.Abs(placedY), 0, 0.1);
        Assert.True(placedDice > centredDice + 0.002, $"mean Dice {placedDice:F4} against {centredDice:F4}");
    }

    [Fact]
    public void WhatIsLearnedFollowsTheLabelsAndTheFlips()
    {
        var volume = new Volume(new float[64 * 64], 64, 64, 1);
        PatientVolume[] patients = [new("p", volume, volume)];
        var shrunk = new SliceLoaderOptions { ImageSize = 32 };
        Assert.Equal(new OutputShift(0.25, 0.25), OutputShift.Learned(patients, shrunk, AugmentationOptions.None));
        // Label fractions are area averages, centred like the images; a slice kept at its size is not resampled.
        Assert.Equal(OutputShift.None, OutputShift.Learned(patients, new SliceLoaderOptions { ImageSize = 32, LabelFractions = true }, AugmentationOptions.None));
        Assert.Equal(OutputShift.None, OutputShift.Learned(patients, new SliceLoaderOptions { ImageSize = 64 }, AugmentationOptions.None));
        // A flip half the time learns the shift one way and the other alike; a quarter of the time, half of it.
        var flips = new AugmentationOptions { HorizontalFlipProbability = 0.5, VerticalFlipProbability = 0.25 };
        Assert.Equal(new OutputShift(0, 0.125), OutputShift.Learned(patients, shrunk, flips));
        // Right-angle turns three times in four: a quarter, half and three-quarter turn cancel the shift kept a quarter of the time.
        var turns = OutputShift.Learned(patients, shrunk, new AugmentationOptions { Rotate90Probability = 0.75 });
        Assert.Equal(0, turns.X, 12);
        Assert.Equal(0, turns.Y, 12);
    }

    [Fact]
    public void TestTimeFlipsAverageTheShiftAwayAlongTheirAxes()
    {
        var shift = new OutputShift(0.25, 0.125);
        Assert.Equal(new OutputShift(0, 0.125), shift.AveragedOver(Export.FlipAxes.LeftRight));
        Assert.Equal(new OutputShift(0.25, 0), shift.AveragedOver(Export.FlipAxes.TopBottom));
        Assert.Equal(OutputShift.None, shift.AveragedOver(Export.FlipAxes.LeftRight | Export.FlipAxes.TopBottom));
        Assert.Equal(shift, shift.AveragedOver(Export.FlipAxes.None));
    }

    [Fact]
    public void AZipStoresItsShiftAndADamagedOneIsNamed()
    {
        var zip = Path.Combine(folder, "model.zip");
        ZipFile.Open(zip, ZipArchiveMode.Create).Dispose();
        Assert.Equal(OutputShift.None, OutputShift.ReadFromModel(zip));
        new OutputShift(0.25, -0.125).WriteInto(zip);
        Assert.Equal(new OutputShift(0.25, -0.125), OutputShift.ReadFromModel(zip));

        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Update))
        {
            archive.GetEntry(OutputShift.EntryName)!.Delete();
            using var writer = new StreamWriter(archive.CreateEntry(OutputShift.EntryName).Open());
            writer.Write("""{ "X": 1.5, "Y": 0 }""");
        }
        var error = Assert.Throws<InvalidDataException>(() => OutputShift.ReadFromModel(zip));
        Assert.Contains("output shift", error.Message);
        Assert.Contains(zip, error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OutputShift(0, double.NaN));
    }

    static (double X, double Y) Centroid(bool[] mask, int size)
    {
        double x = 0, y = 0;
        int count = 0;
        for (int i = 0; i < mask.Length; i++)
            if (mask[i])
            {
                x += i % size;
                y += i / size % size;
                count++;
            }
        return (x / count, y / count);
    }

    static double Dice(bool[] truth, bool[] predicted)
    {
        int both = 0, sum = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            both += truth[i] && predicted[i] ? 1 : 0;
            sum += (truth[i] ? 1 : 0) + (predicted[i] ? 1 : 0);
        }
        return 2.0 * both / sum;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
