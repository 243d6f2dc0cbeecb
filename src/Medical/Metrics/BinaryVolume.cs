namespace MLNet.UNet.Medical.Metrics;

/// <summary>A binary mask on a 3D grid (x fastest), with its voxel spacing in mm.</summary>
public sealed class BinaryVolume
{
    /// <summary>Creates a mask over <paramref name="voxels"/> (not copied).</summary>
    public BinaryVolume(bool[] voxels, int sizeX, int sizeY, int sizeZ, double spacingX = 1, double spacingY = 1, double spacingZ = 1)
    {
        ArgumentNullException.ThrowIfNull(voxels);
        Volumes.VoxelGrid.Check("mask", voxels.Length, sizeX, sizeY, sizeZ, spacingX, spacingY, spacingZ);
        Voxels = voxels;
        SizeX = sizeX;
        SizeY = sizeY;
        SizeZ = sizeZ;
        SpacingX = spacingX;
        SpacingY = spacingY;
        SpacingZ = spacingZ;
    }

    /// <summary>Foreground flags, index (z * SizeY + y) * SizeX + x.</summary>
    public bool[] Voxels { get; }

    /// <summary>Voxels along x.</summary>
    public int SizeX { get; }

    /// <summary>Voxels along y.</summary>
    public int SizeY { get; }

    /// <summary>Slices.</summary>
    public int SizeZ { get; }

    /// <summary>Spacing along x, mm.</summary>
    public double SpacingX { get; }

    /// <summary>Spacing along y, mm.</summary>
    public double SpacingY { get; }

    /// <summary>Spacing along z, mm.</summary>
    public double SpacingZ { get; }

    /// <summary>Foreground voxel count.</summary>
    public long Count => Voxels.LongCount(v => v);

    /// <summary>A mask over <paramref name="voxels"/> (not copied) on <paramref name="grid"/>'s size and spacing.</summary>
    public static BinaryVolume On(Volumes.Volume grid, bool[] voxels)
    {
        ArgumentNullException.ThrowIfNull(grid);
        return new(voxels, grid.SizeX, grid.SizeY, grid.SizeZ, grid.SpacingX, grid.SpacingY, grid.SpacingZ);
    }

    /// <summary>A mask of the same grid over other voxels.</summary>
    public BinaryVolume With(bool[] voxels) => new(voxels, SizeX, SizeY, SizeZ, SpacingX, SpacingY, SpacingZ);

    /// <summary>True when <paramref name="other"/> has the same grid size.</summary>
    public bool SameGrid(BinaryVolume other) => other.SizeX == SizeX && other.SizeY == SizeY && other.SizeZ == SizeZ;

    /// <summary>
    /// Surface voxels: foreground voxels with one of their 6 face neighbours in the background. Under
    /// <see cref="SurfaceRule.Chaos"/> neighbours outside the grid count as foreground; under
    /// <see cref="SurfaceRule.MedPy"/> they count as background.
    /// </summary>
    public bool[] Surface(SurfaceRule rule = SurfaceRule.Chaos)
    {
        if (!Enum.IsDefined(rule))
            throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown surface rule.");
        bool outside = rule == SurfaceRule.Chaos;
        var surface = new bool[Voxels.Length];
        int plane = SizeX * SizeY;
        for (int z = 0; z < SizeZ; z++)
            for (int y = 0; y < SizeY; y++)
                for (int x = 0; x < SizeX; x++)
                {
                    int i = z * plane + y * SizeX + x;
                    if (!Voxels[i])
                        continue;
                    surface[i] = !(x == 0 ? outside : Voxels[i - 1]) || !(x == SizeX - 1 ? outside : Voxels[i + 1])
                        || !(y == 0 ? outside : Voxels[i - SizeX]) || !(y == SizeY - 1 ? outside : Voxels[i + SizeX])
                        || !(z == 0 ? outside : Voxels[i - plane]) || !(z == SizeZ - 1 ? outside : Voxels[i + plane]);
                }
        return surface;
    }
}
