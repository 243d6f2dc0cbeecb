using System.Diagnostics;
using MLNet.UNet;
using MLNet.UNet.Images;
using MLNet.UNet.Visualization;
using Microsoft.ML;
using Microsoft.ML.Data;

// QuickStart: synthetic shape PNGs -> LoadImages -> ResizeImages -> ExtractPixels -> UNetSegment -> Threshold (the
// library's SyntheticShapeModel, which the serving demo trains too), fitted, evaluated on held-out images, saved,
// reloaded and used to write mask PNGs and an overlay.
// Usage: dotnet run -c Release --project src/Examples/QuickStart -- [output folder]
const int Size = SyntheticShapeModel.Size;
var clock = Stopwatch.StartNew();
var output = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine("artifacts", "quickstart"));
var context = new MLContext(seed: 1);

Console.WriteLine($"Writing synthetic {SyntheticShapeModel.ImageSize}x{SyntheticShapeModel.ImageSize} image/mask PNGs to {Path.Combine(output, "data")} " +
                  $"and fitting the pipeline on them ({Size}x{Size}) ...");
var run = SyntheticShapeModel.Train(context, output, p =>
{
    if (p.EpochCompleted)
        Console.WriteLine($"  epoch {p.Epoch,2}/{p.Epochs}  loss {p.Loss:F4}  validation Dice {p.ValidationDice:F4}  " +
                          $"{p.ImagesPerSecond:F0} images/s  about {p.TimeRemaining:mm\\:ss} left");
});
using var model = run.Model;
var metrics = run.Metrics;
Console.WriteLine($"Held-out images: mean Dice {metrics.MeanDice:F4} (sd {metrics.DiceStandardDeviation:F4}), mean IoU {metrics.MeanIoU:F4} over {metrics.PerImage.Count} images.");
var modelPath = run.ModelPath;
Console.WriteLine($"Saved the fitted pipeline to {modelPath}.");
var heldOut = ToRows(run.HeldOut);

// A fresh context loads the zip as a user's application would: only ML.NET and ONNX Runtime are needed.
var scoring = new MLContext();
var loaded = scoring.Model.Load(modelPath, out _);
// Disposing a loaded model releases its ONNX Runtime session and deletes the temporary copy of the ONNX model ML.NET made.
using var loadedResources = loaded as IDisposable;
using var engine = scoring.Model.CreatePredictionEngine<ImageRow, Prediction>(loaded);
var maskFolder = Path.Combine(output, "masks");
var tiles = new List<OverlayTile>();
var truths = run.HeldOutData.GetColumn<float[]>("Label").ToList();
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
