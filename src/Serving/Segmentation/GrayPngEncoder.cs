using System.Runtime.InteropServices;
using SkiaSharp;

namespace MLNet.UNet.Serving.Segmentation;

/// <summary>Encodes an 8-bit gray plane as PNG bytes, in memory.</summary>
public static class GrayPngEncoder
{
    /// <summary>Encodes <paramref name="pixels"/> (height x width, row-major).</summary>
    public static byte[] Encode(byte[] pixels, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != (long)width * height)
            throw new ArgumentException($"{pixels.Length} pixels do not fill a {width} x {height} image.", nameof(pixels));
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        // A Gray8 bitmap made this way has rows of exactly width bytes, so the plane copies in one piece.
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
