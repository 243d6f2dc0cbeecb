namespace MLNet.UNet.Medical.Nifti;

/// <summary>The fields of a NIfTI-1 header that describe the voxels and where they are in space.</summary>
public sealed record NiftiHeader
{
    /// <summary>Number of dimensions used (dim[0]), 1 to 7.</summary>
    public int Rank { get; init; }

    /// <summary>Size of each dimension, dim[1..Rank].</summary>
    public required int[] Dimensions { get; init; }

    /// <summary>Voxel spacing per dimension, pixdim[1..Rank], in the header's <see cref="Units"/>.</summary>
    public required double[] Spacing { get; init; }

    /// <summary>pixdim[0]: the qform handedness factor (-1 or 1).</summary>
    public double QFactor { get; init; } = 1;

    /// <summary>xyzt_units: the spatial unit in its low three bits (1 metre, 2 millimetre, 3 micron; 0 unknown).</summary>
    public byte Units { get; init; } = 2;

    /// <summary>Millimetres in one unit of <see cref="Spacing"/> and of the qform and sform; an unknown unit is read as mm, as most tools do.</summary>
    public double MillimetresPerUnit => (Units & 7) switch { 1 => 1000, 3 => 0.001, _ => 1 };

    /// <summary>Voxel data type.</summary>
    public NiftiDataType DataType { get; init; }

    /// <summary>Byte offset of the voxel data in a single-file (.nii) image.</summary>
    public long VoxelOffset { get; init; } = 352;

    /// <summary>Scale applied to stored values (0 means none).</summary>
    public double ScaleSlope { get; init; }

    /// <summary>Offset added after scaling.</summary>
    public double ScaleIntercept { get; init; }

    /// <summary>qform_code: 0 when the quaternion transform is unused.</summary>
    public short QFormCode { get; init; }

    /// <summary>sform_code: 0 when the affine rows are unused.</summary>
    public short SFormCode { get; init; }

    /// <summary>Quaternion b, c, d and offsets x, y, z of the qform.</summary>
    public double[] Quaternion { get; init; } = new double[6];

    /// <summary>The sform affine, rows srow_x, srow_y, srow_z (3 x 4), voxel to world.</summary>
    public double[] SForm { get; init; } = new double[12];

    /// <summary>True when the file was big-endian.</summary>
    public bool BigEndian { get; init; }

    /// <summary>Free-text description (descrip).</summary>
    public string Description { get; init; } = "";

    /// <summary>Number of voxels: the product of the dimensions.</summary>
    public long VoxelCount => Dimensions.Aggregate(1L, (product, size) => product * size);
}
