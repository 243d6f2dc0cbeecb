using MLNet.UNet.Images;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace MLNet.UNet.Tests;

/// <summary>A row of the image files: what a user's application has at scoring time, plus the mask for training.</summary>
public sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    public string MaskPath { get; set; } = "";
}

/// <summary>Synthetic shape PNGs and the QuickStart-shaped pipeline around them.</summary>
internal static class ShapePipeline
{
    public const int Size = 32;

    public static List<ImageRow> WriteImages(string folder, int count, int seed, int size = Size) =>
        SyntheticShapeImages.WritePngs(folder, count, size, size, seed)
            .Select(p => new ImageRow { ImagePath = p.ImagePath, MaskPath = p.MaskPath }).ToList();

    /// <summary>Adds the Label column (mask pixels, 0..255, resized like the images) to the rows.</summary>
    public static IDataView WithLabels(MLContext context, IDataView rows, int size = Size) =>
        context.Transforms.LoadImages("MaskImage", imageFolder: null, inputColumnName: nameof(ImageRow.MaskPath))
            .Append(context.Transforms.ResizeImages("MaskImage", size, size, "MaskImage"))
            .Append(context.Transforms.ExtractPixels("Label", "MaskImage", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red))
            .Fit(rows).Transform(rows);

    /// <summary>LoadImages -> ResizeImages -> ExtractPixels -> UNetSegment -> Threshold.</summary>
    public static EstimatorChain<ThresholdTransformer> Pipeline(MLContext context, UNetSegmentOptions segment, int size = Size,
        MaskFormat format = MaskFormat.Float) =>
        context.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImageRow.ImagePath))
            .Append(context.Transforms.ResizeImages("Image", size, size, "Image"))
            .Append(context.Transforms.ExtractPixels("Features", "Image",
                colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
            .Append(context.Segmentation().UNetSegment(segment))
            .Append(context.Segmentation().Threshold("PredictedMask", "Probability", 0.5f, format));

    public static UNetSegmentOptions TinyOptions(int epochs = 8) => new()
    {
        Network = new UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true },
        Trainer = { Epochs = epochs, BatchSize = 8, LearningRate = 3e-3 },
        ValidationFraction = 0.2,
    };

    public static List<float[]> Column(IDataView data, string name)
    {
        var column = data.Schema[name];
        var result = new List<float[]>();
        using var cursor = data.GetRowCursor([column]);
        if (column.Type is VectorDataViewType { ItemType: var item } && item == NumberDataViewType.Byte)
        {
            var getter = cursor.GetGetter<VBuffer<byte>>(column);
            VBuffer<byte> buffer = default;
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                result.Add(buffer.DenseValues().Select(b => (float)b).ToArray());
            }
            return result;
        }
        var floats = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> values = default;
        while (cursor.MoveNext())
        {
            floats(ref values);
            result.Add(values.DenseValues().ToArray());
        }
        return result;
    }

    public static double MeanDice(List<float[]> predicted, List<float[]> truth, float truthCut = 127.5f)
    {
        double sum = 0;
        for (int i = 0; i < predicted.Count; i++)
        {
            int both = 0, p = 0, t = 0;
            for (int j = 0; j < predicted[i].Length; j++)
            {
                bool pi = predicted[i][j] > 0.5f, ti = truth[i][j] >= truthCut;
                both += pi && ti ? 1 : 0;
                p += pi ? 1 : 0;
                t += ti ? 1 : 0;
            }
            sum += p + t == 0 ? 1 : 2.0 * both / (p + t);
        }
        return sum / predicted.Count;
    }
}
