using Microsoft.ML.Data;

namespace MLNet.UNet.Images;

/// <summary>Writes a plane of values as an 8-bit gray PNG (masks, slices, predictions), atomically.</summary>
public static class GrayPng
{
    /// <summary>Writes <paramref name="values"/> (height x width, row-major); <paramref name="toUnit"/> maps each value into [0, 1].</summary>
    public static void Write(string path, float[] values, int height, int width, Func<float, float> toUnit)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(toUnit);
        if (values.Length != height * width)
            throw new ArgumentException($"{values.Length} values do not fill a {height} x {width} image.", nameof(values));
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
