using System.Buffers.Binary;
using MLNet.UNet.Images;

namespace MLNet.UNet.Serving.Uploads;

/// <summary>An uploaded image whose header was checked: its format and the size it declares.</summary>
/// <param name="Extension">The file extension of its format (".png", ".jpg").</param>
/// <param name="Width">Width in pixels, from the header.</param>
/// <param name="Height">Height in pixels, from the header.</param>
public sealed record ImageUpload(string Extension, int Width, int Height)
{
    static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    static ReadOnlySpan<byte> JpegEndOfImage => [0xFF, 0xD9];

    /// <summary>
    /// Checks an upload before anything decodes it: a PNG or JPEG, whose header declares at most
    /// <paramref name="maxPixels"/>, and whose structure is whole (a PNG's chunks up to IEND, a JPEG's end marker).
    /// Throws <see cref="UploadProblem"/> saying what is wrong.
    /// </summary>
    public static ImageUpload Check(ReadOnlySpan<byte> bytes, long maxPixels)
    {
        bool png = bytes.StartsWith(PngSignature);
        bool jpeg = bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
        if (!png && !jpeg)
            throw UploadProblem.BadRequest(
                $"The file is not a PNG or JPEG image (it starts with bytes {Convert.ToHexString(bytes[..Math.Min(8, bytes.Length)])}); expected a PNG or JPEG.");
        if (png && (bytes.Length < 33 || !bytes.Slice(12, 4).SequenceEqual("IHDR"u8)))
            throw UploadProblem.BadRequest($"The PNG is {bytes.Length} bytes and has no IHDR header chunk; expected a whole PNG file.");
        var size = ImageDimensions.TryRead(bytes[..Math.Min(bytes.Length, ImageDimensions.HeaderBytes)])
            ?? throw UploadProblem.BadRequest("The JPEG has no frame header (SOF) giving its size in its first 64 KB; expected a whole baseline or progressive JPEG file.");
        if (size.Width <= 0 || size.Height <= 0)
            throw UploadProblem.BadRequest($"The image header declares {size.Width} x {size.Height} pixels; expected a positive width and height.");
        long pixels = (long)size.Width * size.Height;
        if (pixels > maxPixels)
            throw UploadProblem.TooLarge(
                $"The image header declares {size.Width} x {size.Height} = {pixels:N0} pixels; images are limited to {maxPixels:N0} pixels.");
        if (png)
            CheckPngChunks(bytes);
        else if (bytes[^Math.Min(bytes.Length, 4096)..].LastIndexOf(JpegEndOfImage) < 0)
            throw UploadProblem.BadRequest($"The JPEG ends without its end-of-image marker (FF D9) after {bytes.Length:N0} bytes: it is truncated.");
        return new ImageUpload(png ? ".png" : ".jpg", size.Width, size.Height);
    }

    /// <summary>Walks the chunks (length, type, data, CRC) up to IEND, so that a truncated file is named as such.</summary>
    static void CheckPngChunks(ReadOnlySpan<byte> bytes)
    {
        int offset = PngSignature.Length;
        bool data = false;
        while (offset + 12 <= bytes.Length)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);
            var type = bytes.Slice(offset + 4, 4);
            long end = offset + 12 + length;
            if (end > bytes.Length)
                break;
            data |= type.SequenceEqual("IDAT"u8);
            if (type.SequenceEqual("IEND"u8))
            {
                if (!data)
                    throw UploadProblem.BadRequest("The PNG has no image data (IDAT chunk); expected a whole PNG file.");
                return;
            }
            offset = (int)end;
        }
        throw UploadProblem.BadRequest($"The PNG is truncated: its chunks run past its {bytes.Length:N0} bytes without reaching IEND; expected a whole PNG file.");
    }
}
