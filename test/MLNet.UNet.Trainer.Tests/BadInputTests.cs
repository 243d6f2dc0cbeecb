using MLNet.UNet.Data;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

/// <summary>Bad input gets an exception that names the problem, never a native crash.</summary>
public class BadInputTests
{
    static float[] Filled(int length, float value) => Enumerable.Repeat(value, length).ToArray();

    [Fact]
    public void EmptyDatasetIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => SegmentationDataset.FromArrays([], [], 1, 16, 16));
        Assert.Contains("empty", error.Message);
        using var noImages = zeros(0, 1, 16, 16);
        using var noMasks = zeros(0, 16, 16);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => SegmentationDataset.FromTensors(noImages, noMasks)).Message);
    }

    [Fact]
    public void ImageAndMaskOfDifferentSizesAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            SegmentationDataset.FromArrays([new float[256]], [new float[255]], 1, 16, 16));
        Assert.Contains("Mask 0 has 255 values; expected H x W = 16 x 16", error.Message);
        using var images = zeros(2, 1, 16, 16);
        using var masks = zeros(2, 16, 32);
        Assert.Contains("Masks are 16 x 32 but images are 16 x 16",
            Assert.Throws<ArgumentException>(() => SegmentationDataset.FromTensors(images, masks)).Message);
        Assert.Contains("2 images but 1 masks",
            Assert.Throws<ArgumentException>(() => SegmentationDataset.FromArrays([new float[256], new float[256]], [new float[256]], 1, 16, 16)).Message);
    }

    [Fact]
    public void SizeNotDivisibleByTwoToTheDepthAndWrongChannelsAreRefusedBeforeTraining()
    {
        using var trainer = new UNetTrainer(new UNetOptions { Depth = 3, BaseFilters = 4 }, new TrainerOptions { Epochs = 1, Seed = 1 });
        using var odd = SegmentationDataset.FromArrays([new float[20 * 16]], [new float[20 * 16]], 1, 20, 16);
        Assert.Contains("multiples of 2^Depth = 8", Assert.Throws<ArgumentException>(() => trainer.Fit(odd)).Message);
        using var rgb = SegmentationDataset.FromArrays([new float[3 * 16 * 16]], [new float[16 * 16]], 3, 16, 16);
        Assert.Contains("3 channels; the network expects 1", Assert.Throws<ArgumentException>(() => trainer.Fit(rgb)).Message);
    }

    [Fact]
    public void MaskValuesOutsideZeroOneAreRefusedForBinaryTraining()
    {
        var mask = new float[256];
        mask[17] = 255;
        var error = Assert.Throws<ArgumentException>(() =>
            SegmentationDataset.FromArrays([new float[256], new float[256]], [new float[256], mask], 1, 16, 16));
        Assert.Contains("Mask 1 contains the value 255; expected 0 or 1", error.Message);
        var classes = Assert.Throws<ArgumentException>(() =>
            SegmentationDataset.FromArrays([new float[256]], [Filled(256, 3)], 1, 16, 16, classes: 3));
        Assert.Contains("class indices 0..2", classes.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void NonFiniteImageValuesAreRefused(float bad)
    {
        var image = new float[256];
        image[3] = bad;
        var error = Assert.Throws<ArgumentException>(() =>
            SegmentationDataset.FromArrays([new float[256], new float[256], image], [new float[256], new float[256], new float[256]], 1, 16, 16));
        Assert.Contains("Image 2 contains NaN or infinite values", error.Message);
    }

    [Theory]
    [InlineData(nameof(TrainerOptions.Epochs))]
    [InlineData(nameof(TrainerOptions.BatchSize))]
    [InlineData(nameof(TrainerOptions.LearningRate))]
    public void NonPositiveTrainerSettingsAreRefusedWithTheirName(string setting)
    {
        var options = new TrainerOptions();
        typeof(TrainerOptions).GetProperty(setting)!.SetValue(options, setting == nameof(TrainerOptions.LearningRate) ? (object)0.0 : 0);
        var error = Assert.Throws<ArgumentException>(() => new UNetTrainer(new UNetOptions { Depth = 2, BaseFilters = 2 }, options));
        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public void BadNetworkAndAugmentationSettingsAreRefusedWithTheirName()
    {
        Assert.Contains("Depth", Assert.Throws<ArgumentException>(() => new UNetNetwork(new UNetOptions { Depth = 0 })).Message);
        Assert.Contains("Dropout", Assert.Throws<ArgumentException>(() => new UNetNetwork(new UNetOptions { Dropout = 1.5 })).Message);
        Assert.Contains("AffineProbability", Assert.Throws<ArgumentException>(() =>
            new Augmenter(new AugmentationOptions { AffineProbability = 2 })).Message);
        Assert.Contains("ElasticControlPoints", Assert.Throws<ArgumentException>(() =>
            new Augmenter(new AugmentationOptions { ElasticProbability = 1, ElasticControlPoints = 1 })).Message);
        Assert.Contains("WeightAveragingDecay", Assert.Throws<ArgumentException>(() =>
            new UNetTrainer(new UNetOptions { Depth = 2, BaseFilters = 2 }, new TrainerOptions { WeightAveragingDecay = 1 })).Message);
    }
}
