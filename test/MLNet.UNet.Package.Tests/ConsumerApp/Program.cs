// A new application's first use of MLNet.UNet, as the README shows it: synthetic shape PNGs -> LoadImages ->
// ResizeImages -> ExtractPixels -> UNetSegment -> Threshold; fit a tiny network, save, load in a fresh context, score.
// Exit code 0 when the loaded model scores as the fitted one did and finds the shapes; 1 with the error otherwise.
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLNet.UNet;
using MLNet.UNet.Images;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;

try
{
    var folder = args[0];
    var context = new MLContext(seed: 1);
    var rows = SyntheticShapeImages.WritePngs(Path.Combine(folder, "shapes"), 48, 64, 64, seed: 1)
        .Select(p => new ImageRow { ImagePath = p.ImagePath, MaskPath = p.MaskPath }).ToList();
    var data = context.Data.LoadFromEnumerable(rows);
    var labelled = context.Transforms.LoadImages("MaskImage", imageFolder: null, inputColumnName: nameof(ImageRow.MaskPath))
        .Append(context.Transforms.ResizeImages("MaskImage", 64, 64, "MaskImage", ImageResizingEstimator.ResizingKind.Fill))
        .Append(context.Transforms.ExtractPixels("Label", "MaskImage", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red))
        .Fit(data).Transform(data);

    var pipeline = context.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImageRow.ImagePath))
        .Append(context.Transforms.ResizeImages("Image", 64, 64, "Image", ImageResizingEstimator.ResizingKind.Fill))
        .Append(context.Transforms.ExtractPixels("Features", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
        .Append(context.Segmentation().UNetSegment(new UNetSegmentOptions
        {
            LabelColumnName = "Label",
            Network = new UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true },
            Trainer = { Epochs = 10 },
        }))
        .Append(context.Segmentation().Threshold("PredictedMask", "Probability", threshold: 0.5f));
    using var model = pipeline.Fit(labelled);
    var fitted = model.Transform(labelled);
    var metrics = context.Segmentation().Evaluate(fitted);
    var zip = Path.Combine(folder, "model.zip");
    context.Model.Save(model, data.Schema, zip);

    var scoring = new MLContext();
    var loaded = scoring.Model.Load(zip, out _);
    using var loadedResources = loaded as IDisposable;
    var expected = fitted.GetColumn<float[]>("PredictedMask").ToList();
    var actual = loaded.Transform(data).GetColumn<float[]>("PredictedMask").ToList();
    bool same = expected.Count == actual.Count && expected.Zip(actual).All(pair => pair.First.SequenceEqual(pair.Second));
    Console.WriteLine($"fitted, saved, loaded and scored {actual.Count} images: mean Dice {metrics.MeanDice:F3}; loaded model scores as fitted: {same}");
    return same && metrics.MeanDice > 0.5 ? 0 : 1;
}
catch (Exception e)
{
    Console.WriteLine($"{e.GetType().Name}: {e.Message}");
    return 1;
}

public sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    public string MaskPath { get; set; } = "";
}
