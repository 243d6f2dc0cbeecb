using System.Buffers.Binary;

namespace MLNet.UNet.Images;

/// <summary>
/// Reads an image's width and height from its file header (PNG, BMP, JPEG), so that a huge image is refused before
/// anything decodes it into memory.
/// </summary>
public static class ImageDimensions
{
    /// <summary>Default refusal limit: images above this many pixels (e.g. 20000 x 20000) are refused.</summary>
    public const long DefaultMaxPixels = 64L << 20;

    /// <summary>Bytes of a file's start that <see cref="TryRead(ReadOnlySpan{byte})"/> looks at: enough for JPEG's EXIF segments before SOF.</summary>
    public const int HeaderBytes = 64 * 1024;

    static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Throws <see cref="InvalidDataException"/> when the header declares more than <paramref name="maxPixels"/>.</summary>
    public static void CheckSize(string path, long maxPixels)
    {
        if (TryRead(path) is { } size && (long)size.Width * size.Height > maxPixels)
            throw new InvalidDataException(
                $"'{path}' is {size.Width} x {size.Height} pixels, above the limit of {maxPixels:N0} (--max-image-pixels); resize it first.");
    }

    /// <summary>The width and height declared by the header of the image file at <paramref name="path"/>; null when it is not a PNG, BMP or JPEG header.</summary>
    public static (int Width, int Height)? TryRead(string path)
    {
        var header = new byte[HeaderBytes];
        int length;
        using (var file = File.OpenRead(path))
            length = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        return TryRead(header.AsSpan(0, length));
    }

    /// <summary>
    /// The width and height declared by a PNG (IHDR), BMP or JPEG (SOF0-SOF3) header at the start of
    /// <paramref name="bytes"/>; null when none is found there. Nothing is decoded.
    /// </summary>
    public static (int Width, int Height)? TryRead(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 24 && bytes[..8].SequenceEqual(PngSignature))
            return (BinaryPrimitives.ReadInt32BigEndian(bytes[16..]), BinaryPrimitives.ReadInt32BigEndian(bytes[20..]));
        if (bytes.Length >= 26 && bytes[0] == (byte)'B' && bytes[1] == (byte)'M')
            return (Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(bytes[18..])), Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(bytes[22..])));
        if (bytes.Length >= 4 && bytes[0] == 0xFF && bytes[1] == 0xD8)
            for (int i = 2; i + 9 < bytes.Length;)
            {
                if (bytes[i] != 0xFF) return null;
                byte marker = bytes[i + 1];
                int segment = BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 2)..]);
                if (marker is >= 0xC0 and <= 0xC3)
                    return (BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 5)..]));
                i += 2 + segment;
            }
        return null;
    }
}
