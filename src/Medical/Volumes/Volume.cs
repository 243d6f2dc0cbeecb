using MLNet.UNet.Medical.Nifti;

namespace MLNet.UNet.Medical.Volumes;

/// <summary>
/// A 3D image in memory: voxel values as floats, x fastest, then y, then z (NIfTI storage order), with the voxel
/// spacing in mm and, when read from a file, the header it came with (to write results in the same space).
/// </summary>
public sealed class Volume
{
    /// <summary>Creates a volume over <paramref name="data"/> (not copied).</summary>
    public Volume(float[] data, int sizeX, int sizeY, int sizeZ, double spacingX = 1, double spacingY = 1, double spacingZ = 1,
        NiftiHeader? header = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        VoxelGrid.Check("volume", data.Length, sizeX, sizeY, sizeZ, spacingX, spacingY, spacingZ);
        Data = data;
        SizeX = sizeX;
        SizeY = sizeY;
        SizeZ = sizeZ;
        SpacingX = spacingX;
        SpacingY = spacingY;
        SpacingZ = spacingZ;
        Header = header;
    }

    /// <summary>Voxel values, index (z * SizeY + y) * SizeX + x.</summary>
    public float[] Data { get; }

    /// <summary>Voxels along x (columns of a slice).</summary>
    public int SizeX { get; }

    /// <summary>Voxels along y (rows of a slice).</summary>
    public int SizeY { get; }

    /// <summary>Slices.</summary>
    public int SizeZ { get; }

    /// <summary>Voxel size along x, mm.</summary>
    public double SpacingX { get; }

    /// <summary>Voxel size along y, mm.</summary>
    public double SpacingY { get; }

    /// <summary>Voxel size along z (slice distance), mm.</summary>
    public double SpacingZ { get; }

    /// <summary>The header of the file this volume was read from, if any.</summary>
    public NiftiHeader? Header { get; }

    /// <summary>The axis codes its header stores (<see cref="NiftiOrientation.AxisCodes"/>), or null without a header or an orientation.</summary>
    public string? AxisCodes => Header is { } header ? NiftiOrientation.AxisCodes(header) : null;

    /// <summary>Voxels in one slice.</summary>
    public int SliceLength => SizeX * SizeY;

    /// <summary>Volume of one voxel, mm³.</summary>
    public double VoxelVolume => SpacingX * SpacingY * SpacingZ;

    /// <summary>The value at (x, y, z).</summary>
    public float this[int x, int y, int z] => Data[(z * SizeY + y) * SizeX + x];

    /// <summary>A copy of slice <paramref name="z"/>, row-major (y rows of x values).</summary>
    public float[] Slice(int z)
    {
        if (z < 0 || z >= SizeZ)
            throw new ArgumentOutOfRangeException(nameof(z), z, $"The volume has slices 0..{SizeZ - 1}.");
        return Data.AsSpan(z * SliceLength, SliceLength).ToArray();
    }

    /// <summary>A volume of the same geometry and header over other values.</summary>
    public Volume WithData(float[] data) => new(data, SizeX, SizeY, SizeZ, SpacingX, SpacingY, SpacingZ, Header);
}
