using Microsoft.ML.Data;

namespace MLNet.UNet.Data;

/// <summary>An image file and its mask file.</summary>
/// <param name="ImagePath">Path of the grayscale image PNG.</param>
/// <param name="MaskPath">Path of the mask PNG (0 background, 255 foreground).</param>
public sealed record ImageMaskPair(string ImagePath, string MaskPath);

/// <summary>Writes <see cref="SyntheticShapes"/> as PNG files, for pipelines that start with LoadImages.</summary>
public static class SyntheticShapeImages
{
    /// <summary>
    /// Writes <paramref name="count"/> image/mask pairs named <c>shape_NNN.png</c> and <c>shape_NNN_mask.png</c>
    /// into <paramref name="folder"/>; intensities are mapped from the generator's range to 0..255.
    /// </summary>
    public static IReadOnlyList<ImageMaskPair> WritePngs(string folder, int count, int height, int width, int seed)
    {
        Directory.CreateDirectory(folder);
        var (images, masks) = SyntheticShapes.Generate(count, height, width, seed);
        var pairs = new List<ImageMaskPair>(count);
        for (int n = 0; n < count; n++)
        {
            var imagePath = Path.Combine(folder, $"shape_{n:D3}.png");
            var maskPath = Path.Combine(folder, $"shape_{n:D3}_mask.png");
            WriteGray(imagePath, images[n], height, width, v => (v + 1f) / 3f);
            WriteGray(maskPath, masks[n], height, width, v => v);
            pairs.Add(new ImageMaskPair(imagePath, maskPath));
        }
        return pairs;
    }

    /// <summary>Writes values as an 8-bit gray PNG; <paramref name="toUnit"/> maps each value into [0, 1].</summary>
    public static void WriteGray(string path, float[] values, int height, int width, Func<float, float> toUnit)
    {
        var pixels = new byte[height * width * 4];
        for (int i = 0; i < values.Length; i++)
        {
            byte gray = (byte)Math.Clamp(MathF.Round(toUnit(values[i]) * 255f), 0, 255);
            pixels[4 * i] = pixels[4 * i + 1] = pixels[4 * i + 2] = gray;
            pixels[4 * i + 3] = 255;
        }
        using var image = MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, pixels);
        AtomicFile.WriteVia(path, image.Save);
    }
}
