using SkiaSharp;

namespace MLNet.UNet.Serving.Tests;

/// <summary>Image bytes for requests and from responses.</summary>
static class Pngs
{
    /// <summary>The red channel of a decoded PNG, with its size.</summary>
    public static (int Width, int Height, byte[] Values) Decode(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("The response is not a decodable image.");
        var values = new byte[bitmap.Width * bitmap.Height];
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
                values[y * bitmap.Width + x] = bitmap.GetPixel(x, y).Red;
        return (bitmap.Width, bitmap.Height, values);
    }

    /// <summary>Re-encodes an image file as a JPEG.</summary>
    public static byte[] ToJpeg(byte[] image)
    {
        using var bitmap = SKBitmap.Decode(image);
        using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        return jpeg.ToArray();
    }
}
