using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using MLNet.UNet.Inference;
using Microsoft.ML.Data;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using Xunit.Abstractions;

namespace MLNet.UNet.Tests;

/// <summary>The segment component with a sliding window: images that are no multiple of anything, scored on their own grid.</summary>
public sealed class SlidingWindowTests(ITestOutputHelper output) : IDisposable
{
    const int Height = 42, Width = 58; // not multiples of the tiny network's 2^depth = 4
    readonly string folder = Directory.CreateTempSubdirectory("unet-window-tests-").FullName;

    [Fact]
    public void ImagesOfAnySizeAreSegmentedInTilesAndASeparateProcessScoresTheZipIdentically()
    {
        var context = new MLContext(seed: 1);
        var training = Labelled(context, ShapePipeline.WriteImages(Path.Combine(folder, "train"), 48, seed: 1, size: 96));
        var testRows = ShapePipeline.WriteImages(Path.Combine(folder, "test"), 6, seed: 2, size: 96);
        var options = ShapePipeline.TinyOptions(epochs: 12);
        options.SlidingWindow = new SlidingWindowOptions { TileSize = 16 };

        using var model = Pipeline(context, options).Fit(training);
        var scored = model.Transform(Labelled(context, testRows));
        var probabilities = ShapePipeline.Column(scored, "Probability");
        Assert.All(probabilities, p => Assert.Equal(Height * Width, p.Length));
        double dice = ShapePipeline.MeanDice(ShapePipeline.Column(scored, "PredictedMask"), ShapePipeline.Column(scored, "Label"));
        output.WriteLine($"held-out Dice {dice:F3} on {Height} x {Width} images scored in 16 x 16 tiles");
        Assert.True(dice > 0.6, $"held-out Dice {dice:F3}");

        var zip = Path.Combine(folder, "model.zip");
        var testData = context.Data.LoadFromEnumerable(testRows);
        context.Model.Save(model, testData.Schema, zip);
        Assert.Equal(probabilities, SeparateProcess.Score(output, folder, zip, "Probability", testRows));
    }

    [Fact]
    public void WithoutAWindowTheSizeErrorPointsToIt()
    {
        var context = new MLContext(seed: 1);
        var training = Labelled(context, ShapePipeline.WriteImages(Path.Combine(folder, "train"), 4, seed: 1, size: 96));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Pipeline(context, ShapePipeline.TinyOptions(epochs: 1)).Fit(training));
        Assert.Contains("42 x 58", error.Message);
        Assert.Contains("SlidingWindow", error.Message);
    }

    [Fact]
    public void ATileThatIsNotAMultipleOfTheNetworksSizeIsRefused()
    {
        var options = ShapePipeline.TinyOptions();
        options.SlidingWindow = new SlidingWindowOptions { TileSize = 18 };
        Assert.Contains("SlidingWindowOptions.TileSize", Assert.Throws<ArgumentException>(() => new MLContext().Segmentation().UNetSegment(options)).Message);
    }

    static IDataView Labelled(MLContext context, List<ImageRow> rows)
    {
        var data = context.Data.LoadFromEnumerable(rows);
        return context.Transforms.LoadImages("MaskImage", imageFolder: null, inputColumnName: nameof(ImageRow.MaskPath))
            .Append(context.Transforms.ResizeImages("MaskImage", Width, Height, "MaskImage", ImageResizingEstimator.ResizingKind.Fill))
            .Append(context.Transforms.ExtractPixels("Label", "MaskImage", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red))
            .Fit(data).Transform(data);
    }

    static EstimatorChain<ThresholdTransformer> Pipeline(MLContext context, UNetSegmentOptions options) =>
        context.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImageRow.ImagePath))
            .Append(context.Transforms.ResizeImages("Image", Width, Height, "Image", ImageResizingEstimator.ResizingKind.Fill))
            .Append(context.Transforms.ExtractPixels("Features", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
            .Append(context.Segmentation().UNetSegment(options))
            .Append(context.Segmentation().Threshold("PredictedMask", "Probability", 0.5f));

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
