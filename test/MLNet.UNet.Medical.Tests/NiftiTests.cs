using System.Buffers.Binary;
using System.IO.Compression;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Tests;

public sealed class NiftiTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-nifti-tests-").FullName;

    static Volume Sample(Func<int, float> value) =>
        new(Enumerable.Range(0, 4 * 3 * 2).Select(value).ToArray(), 4, 3, 2, 0.8, 0.9, 3.5);

    [Theory]
    [InlineData(NiftiDataType.UInt8, false, ".nii")]
    [InlineData(NiftiDataType.Int16, true, ".nii")]
    [InlineData(NiftiDataType.UInt16, false, ".nii.gz")]
    [InlineData(NiftiDataType.Int32, true, ".nii.gz")]
    [InlineData(NiftiDataType.Float32, true, ".nii")]
    [InlineData(NiftiDataType.Float64, false, ".nii.gz")]
    public void WrittenVolumesReadBackExactlyInEitherByteOrder(NiftiDataType type, bool bigEndian, string extension)
    {
        var volume = Sample(i => type is NiftiDataType.Float32 or NiftiDataType.Float64 ? i * 0.37f - 2 : i * 7 % 200);
        var path = Path.Combine(folder, $"v_{type}_{bigEndian}{extension}");
        NiftiWriter.Write(path, volume, type, bigEndian);
        var read = NiftiReader.Read(path);
        Assert.Equal(volume.Data, read.Data);
        Assert.Equal((4, 3, 2), (read.SizeX, read.SizeY, read.SizeZ));
        Assert.Equal(0.8, read.SpacingX, 6);
        Assert.Equal(3.5, read.SpacingZ, 6);
        Assert.Equal(type, read.Header!.DataType);
        Assert.Equal(bigEndian, read.Header.BigEndian);
        Assert.Equal(volume[3, 2, 1], read[3, 2, 1]);
    }

    [Fact]
    public void ScaleSlopeAndInterceptAreApplied()
    {
        var bytes = NiftiWriter.Encode(Sample(i => i), NiftiDataType.Int16);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(112), 0.5f);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(116), 10f);
        var read = NiftiReader.Read(new MemoryStream(bytes));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => i * 0.5f + 10f), read.Data);
    }

    [Fact]
    public void HeaderGeometryIsKeptWhenAPredictionIsWrittenInTheImagesSpace()
    {
        var bytes = NiftiWriter.Encode(Sample(i => i));
        float[] sform = [-0.8f, 0, 0, 12, 0, 0.9f, 0, -4, 0, 0, 3.5f, 7];
        for (int i = 0; i < 12; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(280 + 4 * i), sform[i]);
        var image = NiftiReader.Read(new MemoryStream(bytes));
        var prediction = image.WithData(new float[image.Data.Length]);
        var path = Path.Combine(folder, "prediction.nii.gz");
        NiftiWriter.Write(path, prediction, NiftiDataType.UInt8);
        var read = NiftiReader.Read(path);
        Assert.Equal(sform.Select(v => (double)v), read.Header!.SForm);
        Assert.Equal(NiftiDataType.UInt8, read.Header.DataType);
    }

    [Fact]
    public void SpacingInMetresIsReadInMillimetresAndAPredictionKeepsTheFilesUnit()
    {
        // The same 0.8 x 0.9 x 3.5 mm grid, written in metres (xyzt_units 1), with its sform in metres too.
        var bytes = NiftiWriter.Encode(Sample(i => i));
        bytes[123] = 1;
        float[] pixdim = [0.0008f, 0.0009f, 0.0035f];
        float[] sform = [-0.0008f, 0, 0, 0.012f, 0, 0.0009f, 0, -0.004f, 0, 0, 0.0035f, 0.007f];
        for (int i = 0; i < 3; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(80 + 4 * i), pixdim[i]);
        for (int i = 0; i < 12; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(280 + 4 * i), sform[i]);
        var image = NiftiReader.Read(new MemoryStream(bytes));
        Assert.Equal((0.8, 0.9, 3.5), (Math.Round(image.SpacingX, 4), Math.Round(image.SpacingY, 4), Math.Round(image.SpacingZ, 4)));
        Assert.Equal(0.8 * 0.9 * 3.5, image.VoxelVolume, 4);

        var path = Path.Combine(folder, "metres.nii");
        NiftiWriter.Write(path, image.WithData(new float[image.Data.Length]), NiftiDataType.UInt8);
        var written = File.ReadAllBytes(path);
        Assert.Equal(1, written[123]);
        Assert.Equal(0.0008f, BinaryPrimitives.ReadSingleLittleEndian(written.AsSpan(80)), 7);
        Assert.Equal(sform.Select(v => (double)v), NiftiReader.Read(path).Header!.SForm);
        Assert.Equal(0.8, NiftiReader.Read(path).SpacingX, 4);
    }

    [SkippableFact]
    public void RealChaosVolumeHasTheDocumentedGeometry()
    {
        var path = Path.Combine(SharedData.Require(), "image_1.nii.gz");
        var volume = NiftiReader.Read(path);
        var header = volume.Header!;
        Assert.Equal(NiftiDataType.Float64, header.DataType);
        Assert.Equal((256, 256), (volume.SizeX, volume.SizeY));
        Assert.InRange(volume.SizeZ, 31, 46);
        Assert.Equal((1.25, 1.25, 7.7), (Math.Round(volume.SpacingX, 3), Math.Round(volume.SpacingY, 3), Math.Round(volume.SpacingZ, 3)));
        Assert.Equal(-1.25, header.SForm[0], 3);
        Assert.Equal(7.7, header.SForm[10], 3);
        Assert.InRange(volume.Data.Max(), 100f, 5000f);
        Assert.True(volume.Data.Min() >= 0);
        var label = NiftiReader.Read(Path.Combine(SharedData.Require(), "label_1.nii.gz"));
        Assert.Subset(new HashSet<float> { 0, 1, 2, 3, 4 }, label.Data.ToHashSet());
    }

    public static TheoryData<string, byte[]> DamagedFiles()
    {
        var good = NiftiWriter.Encode(Sample(i => i), NiftiDataType.Float32);
        var wrongMagic = (byte[])good.Clone();
        wrongMagic[344] = (byte)'x';
        var wrongType = (byte[])good.Clone();
        BinaryPrimitives.WriteInt16LittleEndian(wrongType.AsSpan(70), 1536);
        var badDims = (byte[])good.Clone();
        BinaryPrimitives.WriteInt16LittleEndian(badDims.AsSpan(46), 50);
        var nifti2 = (byte[])good.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(nifti2, 540);
        var random = new byte[1000];
        new Random(1).NextBytes(random);
        var fourD = (byte[])good.Clone();
        BinaryPrimitives.WriteInt16LittleEndian(fourD.AsSpan(40), 4);
        BinaryPrimitives.WriteInt16LittleEndian(fourD.AsSpan(48), 5);
        return new TheoryData<string, byte[]>
        {
            { "is 0 bytes long", [] },
            { "a NIfTI-1 header alone is 348", good[..200] },
            { "truncated: the header declares 4 x 3 x 2 voxels", good[..(good.Length - 5)] },
            { "the header declares 4 x 3 x 50 voxels", badDims },
            { "magic is", wrongMagic },
            { "datatype 1536 is not supported", wrongType },
            { "NIfTI-2", nifti2 },
            { "not a NIfTI-1 file", random },
            { "only 2D and 3D volumes", fourD },
        };
    }

    [Theory]
    [MemberData(nameof(DamagedFiles))]
    public void DamagedFilesGetAClearError(string expected, byte[] bytes)
    {
        var path = Path.Combine(folder, "damaged.nii");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => NiftiReader.Read(path));
        Assert.Contains(expected, error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void TruncatedGzipAndOversizedVolumesAreRefused()
    {
        var path = Path.Combine(folder, "cut.nii.gz");
        using (var memory = new MemoryStream())
        {
            using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
                gzip.Write(NiftiWriter.Encode(Sample(i => i)));
            File.WriteAllBytes(path, memory.ToArray()[..(int)(memory.Length / 2)]);
        }
        Assert.Throws<InvalidDataException>(() => NiftiReader.Read(path));
        var big = Path.Combine(folder, "big.nii");
        NiftiWriter.Write(big, Sample(i => i));
        Assert.Contains("above the limit of 10", Assert.Throws<InvalidDataException>(() => NiftiReader.Read(big, maxVoxels: 10)).Message);
        Assert.Contains("is a directory", Assert.Throws<InvalidDataException>(() => NiftiReader.Read(folder)).Message);
        Assert.Throws<FileNotFoundException>(() => NiftiReader.Read(Path.Combine(folder, "missing.nii")));
    }

    [Fact]
    public void AGzipWhoseChecksumOrLengthDoesNotMatchItsDataIsRefusedInPlainWords()
    {
        // GZipStream calls a wrong checksum "an unsupported compression method". And it checks the trailer only at the
        // end of the stream, which a reader that stops at the last voxel does not reach when bytes follow the voxels.
        var random = new Random(3);
        var volume = new Volume(Enumerable.Range(0, 64 * 64 * 16).Select(_ => (float)random.NextDouble()).ToArray(), 64, 64, 16);
        byte[] Gzip(byte[] bytes)
        {
            using var memory = new MemoryStream();
            using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
                gzip.Write(bytes);
            return memory.ToArray();
        }
        var plain = NiftiWriter.Encode(volume);
        var followed = Gzip([.. plain, .. Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7))]);
        var whole = Gzip(plain);
        var good = Path.Combine(folder, "good.nii.gz");
        File.WriteAllBytes(good, followed);
        Assert.Equal(volume.Data, NiftiReader.Read(good).Data);
        foreach (var (name, bytes, offset) in new[] { ("wrong-checksum.nii.gz", whole, 8), ("wrong-length.nii.gz", whole, 1), ("followed-wrong-checksum.nii.gz", followed, 8) })
        {
            var damaged = (byte[])bytes.Clone();
            damaged[^offset] ^= 0x5a;
            var path = Path.Combine(folder, name);
            File.WriteAllBytes(path, damaged);
            var error = Assert.Throws<InvalidDataException>(() => NiftiReader.Read(path));
            Assert.Contains(path, error.Message);
            Assert.Contains("the gzip-compressed data is damaged: a checksum, length or block does not match", error.Message);
        }
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}

/// <summary>Random byte flips in NIfTI files: the reader either reads them or refuses them clearly, never crashes.</summary>
public class NiftiFuzzTests
{
    [Theory]
    [InlineData(false, 400)]
    [InlineData(true, 200)]
    public void FlippedBytesGiveAVolumeOrAnInvalidDataException(bool gzip, int iterations)
    {
        var volume = new MLNet.UNet.Medical.Volumes.Volume(Enumerable.Range(0, 6 * 5 * 4).Select(i => (float)i).ToArray(), 6, 5, 4);
        var bytes = NiftiWriter.Encode(volume, NiftiDataType.Int16);
        if (gzip)
        {
            using var memory = new MemoryStream();
            using (var compressor = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
                compressor.Write(bytes);
            bytes = memory.ToArray();
        }
        var random = new Random(gzip ? 2 : 1);
        int refused = 0;
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            var damaged = (byte[])bytes.Clone();
            for (int flips = random.Next(1, 5); flips > 0; flips--)
                damaged[random.Next(gzip ? 10 : 0, gzip ? damaged.Length : 360)] ^= (byte)(1 << random.Next(8));
            try
            {
                NiftiReader.Read(new MemoryStream(damaged));
            }
            catch (InvalidDataException)
            {
                refused++;
            }
        }
        Assert.InRange(refused, 1, iterations);
    }
}
