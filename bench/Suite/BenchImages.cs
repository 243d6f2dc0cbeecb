using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLNet.UNet.Data;

namespace MLNet.UNet.Bench;

/// <summary>
/// A row of the pipeline benchmark: an in-memory image and its mask. ML.NET takes an image's size from the
/// <see cref="ImageTypeAttribute"/> only (a size set through a SchemaDefinition makes its row reader fail), hence
/// one subclass per benchmarked size.
/// </summary>
abstract class ImageRow
{
    public abstract MLImage? Image { get; set; }

    public float[] Label { get; set; } = [];

    /// <summary>The error for a size without a row type.</summary>
    public static ArgumentException UnsupportedSize(int size) =>
        new($"The pipeline benchmark has image rows of 128 and 256 pixels, not {size}.");
}

sealed class ImageRow128 : ImageRow
{
    [ImageType(128, 128)]
    public override MLImage? Image { get; set; }
}

sealed class ImageRow256 : ImageRow
{
    [ImageType(256, 256)]
    public override MLImage? Image { get; set; }
}

/// <summary>What the pipeline returns: the thresholded mask.</summary>
sealed class MaskRow
{
    public float[] PredictedMask { get; set; } = [];
}

/// <summary>In-memory gray images as ML.NET rows, the input of the pipeline benchmark.</summary>
static class BenchImages
{
    /// <summary>Synthetic shapes as 8-bit gray images (BGRA, equal channels) with their masks.</summary>
    public static List<TRow> Rows<TRow>(int count, int size, int seed) where TRow : ImageRow, new()
    {
        var (images, masks) = SyntheticShapes.Generate(count, size, size, seed);
        return images.Zip(masks, (image, mask) => new TRow { Image = ToImage(image, size), Label = mask }).ToList();
    }

    /// <summary>The row type's schema with the mask's length.</summary>
    public static SchemaDefinition Schema<TRow>(int size)
    {
        var schema = SchemaDefinition.Create(typeof(TRow));
        schema[nameof(ImageRow.Label)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size * size);
        return schema;
    }

    /// <summary>The pipeline's first step: the red channel of the image, scaled to [0, 1], as 1 x H x W.</summary>
    public static IEstimator<ITransformer> ExtractPixels(MLContext context) =>
        context.Transforms.ExtractPixels("Features", nameof(ImageRow.Image),
            colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255);

    static MLImage ToImage(float[] values, int size)
    {
        float min = values.Min(), max = values.Max();
        var pixels = new byte[size * size * 4];
        for (int i = 0; i < values.Length; i++)
        {
            byte gray = (byte)Math.Round(255 * (values[i] - min) / Math.Max(max - min, 1e-6f));
            pixels[4 * i] = pixels[4 * i + 1] = pixels[4 * i + 2] = gray;
            pixels[4 * i + 3] = 255;
        }
        return MLImage.CreateFromPixels(size, size, MLPixelFormat.Bgra32, pixels);
    }
}
