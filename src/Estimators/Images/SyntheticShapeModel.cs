using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLNet.UNet.Evaluation;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;

namespace MLNet.UNet.Images;

/// <summary>A demo model fitted by <see cref="SyntheticShapeModel.Train"/>, saved as <see cref="ModelPath"/>.</summary>
/// <param name="Model">The fitted pipeline (disposable: it holds an ONNX Runtime session).</param>
/// <param name="ModelPath">The saved zip.</param>
/// <param name="HeldOut">The held-out image/mask files.</param>
/// <param name="HeldOutData">The held-out rows with their Label column, as the model was evaluated on them.</param>
/// <param name="Metrics">Dice and IoU on the held-out images.</param>
public sealed record SyntheticShapeModelRun(TransformerChain<ThresholdTransformer> Model, string ModelPath,
    IReadOnlyList<ImageMaskPair> HeldOut, IDataView HeldOutData, SegmentationMetrics Metrics);

/// <summary>
/// The demo model of the QuickStart: synthetic shape PNGs -> LoadImages -> ResizeImages -> ExtractPixels ->
/// UNetSegment -> Threshold, fitted in about a minute on two cores. The QuickStart example and the serving demo
/// both train it through here, so a fresh clone gets the same model either way.
/// </summary>
public static class SyntheticShapeModel
{
    /// <summary>The square size the network takes; images of any size are stretched to it.</summary>
    public const int Size = 64;

    /// <summary>The size of the synthetic PNGs written.</summary>
    public const int ImageSize = 96;

    /// <summary>The zip's name in the output folder.</summary>
    public const string ModelFileName = "model.zip";

    /// <summary>
    /// Writes 240 training and 40 held-out PNG pairs under <c>folder/data</c>, fits the pipeline, evaluates it on the
    /// held-out images and saves it (atomically) as <c>folder/model.zip</c>.
    /// </summary>
    /// <param name="context">The context to fit with; its seed makes the run repeatable.</param>
    /// <param name="folder">The output folder.</param>
    /// <param name="progress">Called as training goes, e.g. to print each epoch.</param>
    /// <param name="cancellation">Stops training between steps (OperationCanceledException).</param>
    public static SyntheticShapeModelRun Train(MLContext context, string folder, Action<TrainingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var training = SyntheticShapeImages.WritePngs(Path.Combine(folder, "data", "train"), 240, ImageSize, ImageSize, seed: 1);
        var heldOut = SyntheticShapeImages.WritePngs(Path.Combine(folder, "data", "test"), 40, ImageSize, ImageSize, seed: 2);
        var trainingData = WithLabels(context, context.Data.LoadFromEnumerable(training));
        var model = Pipeline(context, progress, cancellation).Fit(trainingData);
        try
        {
            var heldOutData = WithLabels(context, context.Data.LoadFromEnumerable(heldOut));
            var metrics = context.Segmentation().Evaluate(model.Transform(heldOutData));
            var modelPath = Path.Combine(folder, ModelFileName);
            // The saved input schema is the file columns, as a scoring application has them.
            var files = context.Data.LoadFromEnumerable(heldOut);
            AtomicFile.Write(modelPath, stream => context.Model.Save(model, files.Schema, stream));
            return new SyntheticShapeModelRun(model, modelPath, heldOut, heldOutData, metrics);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The masks as the Label column: one colour channel, resized like the images (edges turn grey; UNetSegment
    /// binarizes them at half range).
    /// </summary>
    static IDataView WithLabels(MLContext context, IDataView pairs) =>
        context.Transforms.LoadImages("MaskImage", imageFolder: null, inputColumnName: nameof(ImageMaskPair.MaskPath))
            .Append(context.Transforms.ResizeImages("MaskImage", Size, Size, "MaskImage", ImageResizingEstimator.ResizingKind.Fill))
            .Append(context.Transforms.ExtractPixels("Label", "MaskImage", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red))
            .Fit(pairs).Transform(pairs);

    static EstimatorChain<ThresholdTransformer> Pipeline(MLContext context, Action<TrainingProgress>? progress, CancellationToken cancellation) =>
        context.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImageMaskPair.ImagePath))
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
                Progress = progress,
                CancellationToken = cancellation,
            }))
            .Append(context.Segmentation().Threshold("PredictedMask", "Probability", threshold: 0.5f));
}
