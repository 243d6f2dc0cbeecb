namespace MLNet.UNet.Medical.Volumes;

/// <summary>The checks every 3D array on a voxel grid makes of its sizes, its element count and its spacing.</summary>
internal static class VoxelGrid
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming what is wrong with the grid.</summary>
    /// <param name="what">The kind of array, for the message ("volume", "mask").</param>
    /// <param name="elements">Number of elements the array holds.</param>
    /// <param name="sizeX">Voxels along x.</param>
    /// <param name="sizeY">Voxels along y.</param>
    /// <param name="sizeZ">Voxels along z.</param>
    /// <param name="spacingX">Voxel spacing along x (mm).</param>
    /// <param name="spacingY">Voxel spacing along y (mm).</param>
    /// <param name="spacingZ">Voxel spacing along z (mm).</param>
    public static void Check(string what, long elements, int sizeX, int sizeY, int sizeZ, double spacingX, double spacingY, double spacingZ)
    {
        if (sizeX < 1 || sizeY < 1 || sizeZ < 1)
            throw new ArgumentException($"{char.ToUpperInvariant(what[0])}{what[1..]} sizes must be positive, got {sizeX} x {sizeY} x {sizeZ}.");
        if ((long)sizeX * sizeY * sizeZ != elements)
            throw new ArgumentException($"A {sizeX} x {sizeY} x {sizeZ} {what} needs {(long)sizeX * sizeY * sizeZ} voxels, got {elements}.");
        foreach (var spacing in new[] { spacingX, spacingY, spacingZ })
            if (!(spacing > 0) || double.IsInfinity(spacing))
                throw new ArgumentException($"Voxel spacing must be positive and finite, got {spacingX} x {spacingY} x {spacingZ}.");
    }
}
