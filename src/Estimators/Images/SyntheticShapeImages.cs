using MLNet.UNet.Data;

namespace MLNet.UNet.Images;

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
            GrayPng.Write(imagePath, images[n], height, width, v => (v + 1f) / 3f);
            GrayPng.Write(maskPath, masks[n], height, width, v => v);
            pairs.Add(new ImageMaskPair(imagePath, maskPath));
        }
        return pairs;
    }
}
