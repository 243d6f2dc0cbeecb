using System.Diagnostics;
using MLNet.UNet;
using MLNet.UNet.Images;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;
using MLNet.UNet.Visualization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

// QuickStart: synthetic shape PNGs -> LoadImages -> ResizeImages -> ExtractPixels -> UNetSegment -> Threshold,
// fitted, evaluated on held-out images, saved, reloaded and used to write mask PNGs and an overlay.
// Usage: dotnet run -c Release --project src/Examples/QuickStart -- [output folder]
const int Size = 64;
var clock = Stopwatch.StartNew();
var output = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine("artifacts", "quickstart"));
var context = new MLContext(seed: 1);

Console.WriteLine($"Writing synthetic 96x96 image/mask PNGs to {Path.Combine(output, "data")} ...");
var training = ToRows(SyntheticShapeImages.WritePngs(Path.Combine(output, "data", "train"), 240, 96, 96, seed: 1));
var heldOut = ToRows(SyntheticShapeImages.WritePngs(Path.Combine(output, "data", "test"), 40, 96, 96, seed: 2));

// The masks become the Label column: one colour channel, resized like the images (edges turn grey; UNetSegment
// binarizes them at half range).
var labels = context.Transforms.LoadImages("MaskImage", imageFolder: null, inputColumnName: nameof(ImageRow.MaskPath))
    .Append(context.Transforms.ResizeImages("MaskImage", Size, Size, "MaskImage", ImageResizingEstimator.ResizingKind.Fill))
    .Append(context.Transforms.ExtractPixels("Label", "MaskImage", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red));
var trainingData = labels.Fit(context.Data.LoadFromEnumerable(training)).Transform(context.Data.LoadFromEnumerable(training));

var pipeline = context.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImageRow.ImagePath))
    .Append(context.Transforms.ResizeImages("Image", Size, Size, "Image", ImageResizingEstimator.ResizingKind.Fill))
    .Append(context.Transforms.ExtractPixels("Features", "Image",
        colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
    .Append(context.Segmentation().UNetSegment(new UNetSegmentOptions
    {
        Network = new UNetOptions { Depth = 3, BaseFilters = 16, BatchNorm = true },
        Trainer = new TrainerOptions
        {
            Epochs = 15, BatchSize = 8, LearningRate = 3e-3, Schedule = LearningRateSchedule.Cosine,
            Augmentation = new AugmentationOptions { HorizontalFlipProbability = 0.5, VerticalFlipProbability = 0.5 },
        },
        ValidationFraction = 0.15,
        Progress = p =>
        {
            if (p.EpochCompleted)
                Console.WriteLine($"  epoch {p.Epoch,2}/{p.Epochs}  loss {p.Loss:F4}  validation Dice {p.ValidationDice:F4}  " +
                                  $"{p.ImagesPerSecond:F0} images/s  about {p.TimeRemaining:mm\\:ss} left");
        },
    }))
    .Append(context.Segmentation().Threshold("PredictedMask", "Probability", threshold: 0.5f));

Console.WriteLine($"Fitting the pipeline on {training.Count} images ({Size}x{Size}) ...");
using var model = pipeline.Fit(trainingData);

var heldOutData = context.Data.LoadFromEnumerable(heldOut);
var metrics = context.Segmentation().Evaluate(model.Transform(labels.Fit(heldOutData).Transform(heldOutData)));
Console.WriteLine($"Held-out images: mean Dice {metrics.MeanDice:F4} (sd {metrics.DiceStandardDeviation:F4}), mean IoU {metrics.MeanIoU:F4} over {metrics.PerImage.Count} images.");

var modelPath = Path.Combine(output, "model.zip");
AtomicFile.Write(modelPath, stream => context.Model.Save(model, heldOutData.Schema, stream));
Console.WriteLine($"Saved the fitted pipeline to {modelPath}.");

// A fresh context loads the zip as a user's application would: only ML.NET and ONNX Runtime are needed.
var scoring = new MLContext();
var loaded = scoring.Model.Load(modelPath, out _);
// Disposing a loaded model releases its ONNX Runtime session and deletes the temporary copy of the ONNX model ML.NET made.
using var loadedResources = loaded as IDisposable;
using var engine = scoring.Model.CreatePredictionEngine<ImageRow, Prediction>(loaded);
var maskFolder = Path.Combine(output, "masks");
var tiles = new List<OverlayTile>();
var truthData = labels.Fit(heldOutData).Transform(heldOutData);
var truths = truthData.GetColumn<float[]>("Label").ToList();
for (int i = 0; i < heldOut.Count; i++)
{
    var prediction = engine.Predict(heldOut[i]);
    var maskPath = Path.Combine(maskFolder, Path.GetFileName(heldOut[i].ImagePath));
    GrayPng.Write(maskPath, prediction.PredictedMask, Size, Size, v => v);
    if (i < 8)
        tiles.Add(new OverlayTile(prediction.Features, truths[i], prediction.PredictedMask));
}
var overlayPath = Path.Combine(output, "overlay.png");
OverlayImage.Write(overlayPath, tiles, Size, Size);
Console.WriteLine($"Wrote {heldOut.Count} predicted masks to {maskFolder}");
Console.WriteLine($"Wrote {overlayPath} (green: true contour, red: predicted contour).");
Console.WriteLine($"Done in {clock.Elapsed:mm\\:ss}.");
return metrics.MeanDice >= 0.9 ? 0 : 2;

static List<ImageRow> ToRows(IEnumerable<ImageMaskPair> pairs) =>
    pairs.Select(p => new ImageRow { ImagePath = p.ImagePath, MaskPath = p.MaskPath }).ToList();

/// <summary>What the application has: image files (and masks, for training and evaluation).</summary>
public sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    public string MaskPath { get; set; } = "";
}

/// <summary>What the loaded pipeline gives back per image.</summary>
public sealed class Prediction
{
    [VectorType(Size * Size)] public float[] Features { get; set; } = [];
    [VectorType(Size * Size)] public float[] PredictedMask { get; set; } = [];
    const int Size = 64;
}
