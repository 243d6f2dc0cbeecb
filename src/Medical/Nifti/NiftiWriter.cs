using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Nifti;

/// <summary>
/// Writes single-file NIfTI-1 images; gzip-compressed when the path ends in .gz. The geometry (spacing, qform and
/// sform) is taken from the volume's header when it has one, so a predicted label volume lands in the same space
/// as the image it was predicted from. Written to a temporary file, then renamed.
/// </summary>
public static class NiftiWriter
{
    /// <summary>Writes <paramref name="volume"/> to <paramref name="path"/> as <paramref name="type"/>.</summary>
    /// <param name="path">Target .nii or .nii.gz file.</param>
    /// <param name="volume">The voxels and geometry.</param>
    /// <param name="type">Stored data type; integer types round and refuse values out of range.</param>
    /// <param name="bigEndian">Write big-endian (for tests and old tools); little-endian by default.</param>
    public static void Write(string path, Volume volume, NiftiDataType type = NiftiDataType.Float32, bool bigEndian = false)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var bytes = Encode(volume, type, bigEndian);
        bool compress = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        AtomicFile.Write(path, stream =>
        {
            if (!compress)
            {
                stream.Write(bytes);
                return;
            }
            using var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
            gzip.Write(bytes);
        });
    }

    /// <summary>The bytes of a single-file NIfTI-1 image (header, 4 extension bytes, voxels).</summary>
    public static byte[] Encode(Volume volume, NiftiDataType type = NiftiDataType.Float32, bool bigEndian = false)
    {
        int bytesPerVoxel = NiftiDataTypes.BytesPerVoxel(type);
        const int offset = 352;
        var bytes = new byte[offset + (long)volume.Data.Length * bytesPerVoxel];
        var span = bytes.AsSpan();
        var template = volume.Header;
        void Int16(int at, short value) { if (bigEndian) BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(at), value); else BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(at), value); }
        void Int32(int at, int value) { if (bigEndian) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), value); else BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), value); }
        void Float(int at, double value) { if (bigEndian) BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(at), (float)value); else BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), (float)value); }

        Int32(0, NiftiReader.HeaderSize);
        short[] dims = [3, (short)volume.SizeX, (short)volume.SizeY, (short)volume.SizeZ, 1, 1, 1, 1];
        if (volume.SizeX > short.MaxValue || volume.SizeY > short.MaxValue || volume.SizeZ > short.MaxValue)
            throw new ArgumentException($"NIfTI-1 sizes are at most {short.MaxValue}, got {volume.SizeX} x {volume.SizeY} x {volume.SizeZ}.");
        for (int i = 0; i < 8; i++)
            Int16(40 + 2 * i, dims[i]);
        Int16(70, (short)type);
        Int16(72, (short)(8 * bytesPerVoxel));
        // In the template's unit, which its qform and sform (copied below) are in; the volume's spacing is in mm.
        double perUnit = template?.MillimetresPerUnit ?? 1;
        double[] pixdim = [template?.QFactor ?? 1, volume.SpacingX / perUnit, volume.SpacingY / perUnit, volume.SpacingZ / perUnit, 1, 1, 1, 1];
        for (int i = 0; i < 8; i++)
            Float(76 + 4 * i, pixdim[i]);
        Float(108, offset);
        Float(112, 1);
        Float(116, 0);
        span[123] = template?.Units ?? 2;  // xyzt_units: millimetres unless the template says otherwise
        Encoding.ASCII.GetBytes("MLNet.UNet").CopyTo(span[148..]);
        Int16(252, template?.QFormCode ?? 0);
        Int16(254, template?.SFormCode ?? 1);
        var quaternion = template?.Quaternion ?? new double[6];
        for (int i = 0; i < 6; i++)
            Float(256 + 4 * i, quaternion[i]);
        var sform = template?.SForm is { } s && s.Any(v => v != 0)
            ? s
            : [pixdim[1], 0, 0, 0, 0, pixdim[2], 0, 0, 0, 0, pixdim[3], 0];
        for (int i = 0; i < 12; i++)
            Float(280 + 4 * i, sform[i]);
        Encoding.ASCII.GetBytes("n+1\0").CopyTo(span[344..]);

        var data = span[offset..];
        for (int i = 0; i < volume.Data.Length; i++)
        {
            float v = volume.Data[i];
            switch (type)
            {
                case NiftiDataType.UInt8: data[i] = (byte)Integer(v, byte.MinValue, byte.MaxValue, i); break;
                case NiftiDataType.Int16: var s16 = (short)Integer(v, short.MinValue, short.MaxValue, i);
                    if (bigEndian) BinaryPrimitives.WriteInt16BigEndian(data[(2 * i)..], s16); else BinaryPrimitives.WriteInt16LittleEndian(data[(2 * i)..], s16); break;
                case NiftiDataType.UInt16: var u16 = (ushort)Integer(v, ushort.MinValue, ushort.MaxValue, i);
                    if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(data[(2 * i)..], u16); else BinaryPrimitives.WriteUInt16LittleEndian(data[(2 * i)..], u16); break;
                case NiftiDataType.Int32: var s32 = (int)Integer(v, int.MinValue, int.MaxValue, i);
                    if (bigEndian) BinaryPrimitives.WriteInt32BigEndian(data[(4 * i)..], s32); else BinaryPrimitives.WriteInt32LittleEndian(data[(4 * i)..], s32); break;
                case NiftiDataType.Float32:
                    if (bigEndian) BinaryPrimitives.WriteSingleBigEndian(data[(4 * i)..], v); else BinaryPrimitives.WriteSingleLittleEndian(data[(4 * i)..], v); break;
                case NiftiDataType.Float64:
                    if (bigEndian) BinaryPrimitives.WriteDoubleBigEndian(data[(8 * i)..], v); else BinaryPrimitives.WriteDoubleLittleEndian(data[(8 * i)..], v); break;
                default: throw new ArgumentOutOfRangeException(nameof(type), type, "Unsupported NIfTI data type.");
            }
        }
        return bytes;
    }

    static double Integer(float value, double min, double max, int index)
    {
        double rounded = Math.Round(value);
        if (!(rounded >= min && rounded <= max))
            throw new ArgumentException($"Voxel {index} is {value}, which does not fit the integer type's range [{min}, {max}].");
        return rounded;
    }
}
