using System.IO.Compression;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Serving.Uploads;

/// <summary>An uploaded NIfTI volume, read after its header was checked.</summary>
/// <param name="Volume">The volume, with its header (grid, spacing, orientation).</param>
/// <param name="Compressed">True for a .nii.gz upload; the answer is compressed the same way.</param>
public sealed record NiftiUpload(Volume Volume, bool Compressed)
{
    /// <summary>
    /// Reads a .nii or .nii.gz upload. The header is checked first: a volume above <paramref name="maxVoxels"/> is
    /// refused (413) before its data is read or decompressed, and a header that declares more voxels than the file
    /// holds is refused (400). Throws <see cref="UploadProblem"/> saying what is wrong.
    /// </summary>
    public static NiftiUpload Read(byte[] bytes, long maxVoxels)
    {
        bool compressed = bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
        var header = Header(bytes, compressed);
        if (header.VoxelCount > maxVoxels)
            throw UploadProblem.TooLarge(
                $"The NIfTI header declares {string.Join(" x ", header.Dimensions)} = {header.VoxelCount:N0} voxels; volumes are limited to {maxVoxels:N0} voxels.");
        try
        {
            // The reader reads what the header declares and, to check a gzip's trailer, at most as much again (or 1 MiB):
            // a compressed upload cannot inflate far past the limit.
            return new NiftiUpload(NiftiReader.Read(new MemoryStream(bytes, writable: false), maxVoxels), compressed);
        }
        catch (InvalidDataException e)
        {
            throw UploadProblem.BadRequest($"The NIfTI file could not be read: {e.Message} Expected a whole single-file NIfTI-1 volume (.nii or .nii.gz).");
        }
    }

    static NiftiHeader Header(byte[] bytes, bool compressed)
    {
        var header = new byte[NiftiReader.HeaderSize];
        int length;
        try
        {
            using var input = compressed
                ? (Stream)new GZipStream(new MemoryStream(bytes, writable: false), CompressionMode.Decompress)
                : new MemoryStream(bytes, writable: false);
            length = input.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw UploadProblem.BadRequest($"The file starts like gzip but does not decompress ({e.Message}); expected a .nii or .nii.gz NIfTI-1 volume.");
        }
        if (length < NiftiReader.HeaderSize)
            throw UploadProblem.BadRequest(
                $"The file holds {length} bytes{(compressed ? " once decompressed" : "")}; a NIfTI-1 header alone is {NiftiReader.HeaderSize} bytes. Expected a .nii or .nii.gz volume.");
        try
        {
            return NiftiReader.ParseHeader(header);
        }
        catch (InvalidDataException e)
        {
            throw UploadProblem.BadRequest($"The file is not a NIfTI-1 volume: {e.Message} Expected a single-file NIfTI-1 volume (.nii or .nii.gz).");
        }
    }
}
