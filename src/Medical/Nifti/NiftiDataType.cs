namespace MLNet.UNet.Medical.Nifti;

/// <summary>The NIfTI-1 voxel data types this reader and writer support (the header's datatype code).</summary>
public enum NiftiDataType : short
{
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 4,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 8,

    /// <summary>32-bit float.</summary>
    Float32 = 16,

    /// <summary>64-bit float.</summary>
    Float64 = 64,

    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 512,
}

internal static class NiftiDataTypes
{
    public static int BytesPerVoxel(NiftiDataType type) => type switch
    {
        NiftiDataType.UInt8 => 1,
        NiftiDataType.Int16 or NiftiDataType.UInt16 => 2,
        NiftiDataType.Int32 or NiftiDataType.Float32 => 4,
        NiftiDataType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unsupported NIfTI data type."),
    };
}
