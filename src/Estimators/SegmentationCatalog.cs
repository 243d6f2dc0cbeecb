using MLNet.UNet.ArgMax;
using MLNet.UNet.Evaluation;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using Microsoft.ML;

namespace MLNet.UNet;

/// <summary>Entry point of the segmentation components: <c>mlContext.Segmentation()</c>.</summary>
public static class SegmentationCatalogExtensions
{
    /// <summary>The segmentation catalog of this context: UNetSegment and Threshold.</summary>
    public static SegmentationCatalog Segmentation(this MLContext context) => new(context);
}

/// <summary>Estimators for image segmentation, bound to an <see cref="MLContext"/> (its seed, log and cancellation).</summary>
public sealed class SegmentationCatalog
{
    readonly MLContext context;

    internal SegmentationCatalog(MLContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        this.context = context;
    }

    /// <summary>
    /// Trains a U-Net on images and masks with the <see cref="Recipes.TrainingRecipes.Quick"/> recipe, changing only
    /// what is given; the fitted transformer writes a probability per pixel.
    /// </summary>
    /// <param name="outputColumnName">Column of probabilities to write (1 x 1 x H x W per row).</param>
    /// <param name="featureColumnName">Column of images: ExtractPixels output, C x H x W Single.</param>
    /// <param name="labelColumnName">Column of masks: H x W Single or Byte, 0..1 or 0..255.</param>
    /// <param name="epochs">Passes over the training data; null for the recipe's.</param>
    /// <param name="batchSize">Images per optimizer step; null for the recipe's.</param>
    /// <param name="network">Shape of the U-Net; null for the recipe's.</param>
    public UNetSegmentEstimator UNetSegment(string outputColumnName = "Probability", string featureColumnName = "Features",
        string labelColumnName = "Label", int? epochs = null, int? batchSize = null, UNetOptions? network = null)
    {
        var options = new UNetSegmentOptions
        {
            OutputColumnName = outputColumnName,
            FeatureColumnName = featureColumnName,
            LabelColumnName = labelColumnName,
        };
        options.Network = network ?? options.Network;
        options.Trainer.Epochs = epochs ?? options.Trainer.Epochs;
        options.Trainer.BatchSize = batchSize ?? options.Trainer.BatchSize;
        return new UNetSegmentEstimator(context, options);
    }

    /// <summary>Trains a U-Net with every setting given in <paramref name="options"/>.</summary>
    public UNetSegmentEstimator UNetSegment(UNetSegmentOptions options) => new(context, options);

    /// <summary>Turns probabilities into a binary mask.</summary>
    /// <param name="outputColumnName">Column of the mask to write.</param>
    /// <param name="inputColumnName">Column of probabilities.</param>
    /// <param name="threshold">Foreground when the probability is above this value, in (0, 1).</param>
    /// <param name="format">0/1 Single or 0/255 Byte.</param>
    public ThresholdEstimator Threshold(string outputColumnName = "PredictedMask", string inputColumnName = "Probability",
        float threshold = 0.5f, MaskFormat format = MaskFormat.Float) =>
        new(context, new ThresholdOptions
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Threshold = threshold, Format = format,
        });

    /// <summary>Turns probabilities into a binary mask with every setting given in <paramref name="options"/>.</summary>
    public ThresholdEstimator Threshold(ThresholdOptions options) => new(context, options);

    /// <summary>Turns class probabilities (UNetSegment with several classes) into a class index per pixel, as Byte.</summary>
    /// <param name="outputColumnName">Column of class indices to write, 1 x H x W.</param>
    /// <param name="inputColumnName">Column of class probabilities, 1 x C x H x W.</param>
    public ArgMaxEstimator ArgMax(string outputColumnName = ArgMaxOptions.Defaults.OutputColumnName, string inputColumnName = ArgMaxOptions.Defaults.InputColumnName) =>
        new(context, new ArgMaxOptions { OutputColumnName = outputColumnName, InputColumnName = inputColumnName });

    /// <summary>
    /// Dice and IoU of predicted masks against ground-truth masks, per row and on average. Label pixels count as
    /// foreground at or above half their range (0..1, or 0..255 when any value is above 1); predicted pixels
    /// when above 0 (the output of Threshold). Both empty scores 1; one empty scores 0.
    /// </summary>
    /// <param name="data">Scored data holding both columns.</param>
    /// <param name="labelColumnName">Ground-truth masks.</param>
    /// <param name="predictedMaskColumnName">Predicted masks.</param>
    public SegmentationMetrics Evaluate(IDataView data, string labelColumnName = "Label", string predictedMaskColumnName = "PredictedMask") =>
        SegmentationEvaluator.Evaluate(data, labelColumnName, predictedMaskColumnName);

    /// <summary>
    /// Dice and IoU of each foreground class of predicted class maps (ArgMax's output) against label class maps, per row,
    /// per class and on average. A class absent from both an image's prediction and its truth scores 1 there.
    /// </summary>
    /// <param name="data">Scored data holding both columns.</param>
    /// <param name="classes">Classes, the background (0) included: the network's OutputClasses.</param>
    /// <param name="labelColumnName">Ground-truth class maps: class indices, or the values of <paramref name="labelValues"/>.</param>
    /// <param name="predictedLabelColumnName">Predicted class indices.</param>
    /// <param name="labelValues">The label value of each class, as UNetSegmentOptions.LabelValues; null: the class indices.</param>
    public ClassSegmentationMetrics EvaluateClasses(IDataView data, int classes, string labelColumnName = "Label",
        string predictedLabelColumnName = ArgMaxOptions.Defaults.OutputColumnName, float[]? labelValues = null) =>
        SegmentationEvaluator.EvaluateClasses(data, classes, labelColumnName, predictedLabelColumnName, labelValues);
}
