using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Nifti;

/// <summary>
/// Reads single-file NIfTI-1 images (.nii, or gzip-compressed .nii.gz, recognised by content) of 2 or 3
/// dimensions (or 4 with one time point): uint8, int16, uint16, int32, float32 and float64, either byte order,
/// with scl_slope/scl_inter applied. Anything else gets an <see cref="InvalidDataException"/> naming the file and
/// the problem.
/// </summary>
public static class NiftiReader
{
    /// <summary>NIfTI-1 header size.</summary>
    public const int HeaderSize = 348;

    /// <summary>A NIfTI file's case name: its file name without the .nii or .nii.gz extension (in any case); the whole name when it has none.</summary>
    /// <param name="path">The file's path or name.</param>
    public static string CaseName(string path)
    {
        var name = Path.GetFileName(path);
        int extension = name.IndexOf(".nii", StringComparison.OrdinalIgnoreCase);
        return extension > 0 ? name[..extension] : name;
    }

    /// <summary>Default refusal limit: volumes above this many voxels are refused before allocating.</summary>
    public const long DefaultMaxVoxels = 1L << 27;

    /// <summary>Reads the volume at <paramref name="path"/>.</summary>
    /// <param name="path">A .nii or .nii.gz file.</param>
    /// <param name="maxVoxels">Refuse larger volumes before allocating memory for them.</param>
    public static Volume Read(string path, long maxVoxels = DefaultMaxVoxels)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
            throw new InvalidDataException($"'{path}' is a directory, not a NIfTI file.");
        if (!File.Exists(path))
            throw new FileNotFoundException($"NIfTI file '{path}' does not exist.", path);
        try
        {
            using var file = File.OpenRead(path);
            return Read(file, maxVoxels);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads a volume from a stream holding a .nii or .nii.gz file.</summary>
    public static Volume Read(Stream stream, long maxVoxels = DefaultMaxVoxels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var input = IsGzip(stream) ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream;
        try
        {
            var headerBytes = new byte[HeaderSize];
            int got = ReadFully(input, headerBytes);
            if (got < HeaderSize)
                throw new InvalidDataException($"the file is {got} bytes long; a NIfTI-1 header alone is {HeaderSize}.");
            var header = ParseHeader(headerBytes);
            if (header.VoxelCount > maxVoxels)
                throw new InvalidDataException(
                    $"the volume has {header.VoxelCount:N0} voxels ({string.Join(" x ", header.Dimensions)}), above the limit of {maxVoxels:N0}.");
            int bytesPerVoxel = NiftiDataTypes.BytesPerVoxel(header.DataType);
            long expected = header.VoxelCount * bytesPerVoxel;
            // Read what is there (never more than the header declares) before trusting the declared size with memory.
            using var rest = new MemoryStream();
            var chunk = new byte[1 << 20];
            long wanted = header.VoxelOffset - HeaderSize + expected;
            if (wanted > Array.MaxLength)
                throw new InvalidDataException($"the voxel data ({expected:N0} bytes from offset {header.VoxelOffset}) is too large to read in one piece.");
            while (rest.Length < wanted)
            {
                int read = input.Read(chunk, 0, (int)Math.Min(chunk.Length, wanted - rest.Length));
                if (read == 0)
                    break;
                rest.Write(chunk, 0, read);
            }
            long skip = header.VoxelOffset - HeaderSize;
            if (rest.Length < skip)
                throw new InvalidDataException($"the file ends before the voxel data offset {header.VoxelOffset}.");
            if (rest.Length - skip < expected)
                throw new InvalidDataException(
                    $"truncated: the header declares {string.Join(" x ", header.Dimensions)} voxels of {header.DataType} " +
                    $"({expected:N0} bytes from offset {header.VoxelOffset}), but only {rest.Length - skip:N0} bytes follow.");
            if (!ReferenceEquals(input, stream))
                ReadOnToTrailer(input, chunk, expected);
            var raw = rest.GetBuffer().AsSpan((int)skip, (int)expected).ToArray();
            var values = Decode(raw, header);
            int[] size = [header.Dimensions[0], header.Rank > 1 ? header.Dimensions[1] : 1, header.Rank > 2 ? header.Dimensions[2] : 1];
            double[] spacing = [Spacing(header, 0), Spacing(header, 1), Spacing(header, 2)];
            return new Volume(values, size[0], size[1], size[2], spacing[0], spacing[1], spacing[2], header);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException && e is not FileNotFoundException and not InvalidDataException)
        {
            throw new InvalidDataException($"the file is damaged or truncated ({e.Message}).", e);
        }
        catch (InvalidDataException e) when (e.TargetSite?.DeclaringType?.Assembly == typeof(GZipStream).Assembly)
        {
            // GZipStream's own words for a wrong checksum are "compressed using an unsupported compression method".
            throw new InvalidDataException($"the gzip-compressed data is damaged: a checksum, length or block does not match what it holds ({e.Message}).", e);
        }
        finally
        {
            if (!ReferenceEquals(input, stream))
                input.Dispose();
        }
    }

    /// <summary>Parses a 348-byte NIfTI-1 header.</summary>
    public static NiftiHeader ParseHeader(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize)
            throw new InvalidDataException($"a NIfTI-1 header is {HeaderSize} bytes, got {bytes.Length}.");
        int sizeLittle = BinaryPrimitives.ReadInt32LittleEndian(bytes), sizeBig = BinaryPrimitives.ReadInt32BigEndian(bytes);
        bool big;
        if (sizeLittle == HeaderSize) big = false;
        else if (sizeBig == HeaderSize) big = true;
        else if (sizeLittle == 540 || sizeBig == 540)
            throw new InvalidDataException("this is a NIfTI-2 file; only NIfTI-1 is supported.");
        else
            throw new InvalidDataException($"not a NIfTI-1 file: sizeof_hdr is {sizeLittle}, expected {HeaderSize}.");
        var reader = new FieldReader(bytes, big);
        var magic = Encoding.ASCII.GetString(bytes.Slice(344, 3));
        if (magic == "ni1")
            throw new InvalidDataException("this is a two-file NIfTI (.hdr/.img); only single-file .nii images are supported.");
        if (magic != "n+1")
            throw new InvalidDataException($"the NIfTI-1 magic is '{Printable(bytes.Slice(344, 4))}', expected 'n+1'.");

        int rank = reader.Int16(40);
        if (rank < 1 || rank > 7)
            throw new InvalidDataException($"dim[0] is {rank}; it must be between 1 and 7.");
        var dims = new int[rank];
        var spacing = new double[rank];
        for (int i = 0; i < rank; i++)
        {
            dims[i] = reader.Int16(42 + 2 * i);
            if (dims[i] < 1)
                throw new InvalidDataException($"dim[{i + 1}] is {dims[i]}; sizes must be at least 1.");
            spacing[i] = reader.Float(80 + 4 * i);
        }
        for (int i = 3; i < rank; i++)
            if (dims[i] != 1)
                throw new InvalidDataException(
                    $"the image has {rank} dimensions ({string.Join(" x ", dims)}); only 2D and 3D volumes (or 4D with one time point) are supported.");
        short code = reader.Int16(70);
        if (!Enum.IsDefined(typeof(NiftiDataType), code))
            throw new InvalidDataException($"datatype {code} is not supported (supported: uint8, int16, uint16, int32, float32, float64).");
        var type = (NiftiDataType)code;
        int bitpix = reader.Int16(72);
        if (bitpix != 8 * NiftiDataTypes.BytesPerVoxel(type))
            throw new InvalidDataException($"bitpix is {bitpix} but datatype {type} has {8 * NiftiDataTypes.BytesPerVoxel(type)} bits.");
        double offset = reader.Float(108);
        if (!(offset >= HeaderSize) || offset > int.MaxValue)
            throw new InvalidDataException($"vox_offset is {offset}; in a single-file NIfTI it must be at least {HeaderSize}.");
        var quaternion = new double[6];
        for (int i = 0; i < 6; i++)
            quaternion[i] = reader.Float(256 + 4 * i);
        var sform = new double[12];
        for (int i = 0; i < 12; i++)
            sform[i] = reader.Float(280 + 4 * i);
        return new NiftiHeader
        {
            Rank = rank,
            Dimensions = dims,
            Spacing = spacing,
            QFactor = reader.Float(76) < 0 ? -1 : 1,
            DataType = type,
            Units = bytes[123],
            VoxelOffset = (long)offset,
            ScaleSlope = reader.Float(112),
            ScaleIntercept = reader.Float(116),
            Description = Encoding.ASCII.GetString(bytes.Slice(148, 80)).TrimEnd('\0'),
            QFormCode = reader.Int16(252),
            SFormCode = reader.Int16(254),
            Quaternion = quaternion,
            SForm = sform,
            BigEndian = big,
        };
    }

    static float[] Decode(byte[] raw, NiftiHeader header)
    {
        var values = new float[header.VoxelCount];
        bool big = header.BigEndian;
        var span = raw.AsSpan();
        switch (header.DataType)
        {
            case NiftiDataType.UInt8:
                for (int i = 0; i < values.Length; i++) values[i] = raw[i];
                break;
            case NiftiDataType.Int16:
                for (int i = 0; i < values.Length; i++)
                    values[i] = big ? BinaryPrimitives.ReadInt16BigEndian(span[(2 * i)..]) : BinaryPrimitives.ReadInt16LittleEndian(span[(2 * i)..]);
                break;
            case NiftiDataType.UInt16:
                for (int i = 0; i < values.Length; i++)
                    values[i] = big ? BinaryPrimitives.ReadUInt16BigEndian(span[(2 * i)..]) : BinaryPrimitives.ReadUInt16LittleEndian(span[(2 * i)..]);
                break;
            case NiftiDataType.Int32:
                for (int i = 0; i < values.Length; i++)
                    values[i] = big ? BinaryPrimitives.ReadInt32BigEndian(span[(4 * i)..]) : BinaryPrimitives.ReadInt32LittleEndian(span[(4 * i)..]);
                break;
            case NiftiDataType.Float32:
                for (int i = 0; i < values.Length; i++)
                    values[i] = big ? BinaryPrimitives.ReadSingleBigEndian(span[(4 * i)..]) : BinaryPrimitives.ReadSingleLittleEndian(span[(4 * i)..]);
                break;
            case NiftiDataType.Float64:
                for (int i = 0; i < values.Length; i++)
                    values[i] = (float)(big ? BinaryPrimitives.ReadDoubleBigEndian(span[(8 * i)..]) : BinaryPrimitives.ReadDoubleLittleEndian(span[(8 * i)..]));
                break;
        }
        double slope = header.ScaleSlope, intercept = header.ScaleIntercept;
        if (slope != 0 && double.IsFinite(slope) && double.IsFinite(intercept) && (slope != 1 || intercept != 0))
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)(values[i] * slope + intercept);
        return values;
    }

    static double Spacing(NiftiHeader header, int axis)
    {
        if (axis >= header.Rank)
            return 1;
        // In mm whatever the file's unit: volumes in ml and slice widths are reckoned from it.
        double value = Math.Abs(header.Spacing[axis]) * header.MillimetresPerUnit;
        return value > 0 && double.IsFinite(value) ? value : 1;
    }

    // GZipStream checks the checksum and length in the trailer only at the end of the stream, which the voxel data
    // alone need not reach: read on to it, so that a flipped bit in the data is refused, not read as another voxel.
    // At most as much again as the voxel data (and 1 MiB): a small file that inflates to gigabytes after its voxels
    // stays cheap, and goes unchecked. (A file cut exactly at its trailer still reads: GZipStream does not report it.)
    static void ReadOnToTrailer(Stream gzip, byte[] buffer, long voxelBytes)
    {
        long left = Math.Max(voxelBytes, 1 << 20);
        int read;
        while (left > 0 && (read = gzip.Read(buffer, 0, (int)Math.Min(buffer.Length, left))) > 0)
            left -= read;
    }

    static bool IsGzip(Stream stream)
    {
        if (!stream.CanSeek)
            throw new ArgumentException("The NIfTI stream must be seekable.", nameof(stream));
        long start = stream.Position;
        int first = stream.ReadByte(), second = stream.ReadByte();
        stream.Position = start;
        return first == 0x1f && second == 0x8b;
    }

    static int ReadFully(Stream stream, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }

    static string Printable(ReadOnlySpan<byte> bytes) =>
        new(bytes.ToArray().Select(b => b is >= 32 and < 127 ? (char)b : '?').ToArray());

    readonly ref struct FieldReader(ReadOnlySpan<byte> bytes, bool big)
    {
        readonly ReadOnlySpan<byte> bytes = bytes;

        public short Int16(int offset) => big
            ? BinaryPrimitives.ReadInt16BigEndian(bytes[offset..]) : BinaryPrimitives.ReadInt16LittleEndian(bytes[offset..]);

        public float Float(int offset) => big
            ? BinaryPrimitives.ReadSingleBigEndian(bytes[offset..]) : BinaryPrimitives.ReadSingleLittleEndian(bytes[offset..]);
    }
}
