using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Inference;

/// <summary>
/// Test-time shifts for a model that shrinks a volume's slices: each network pixel stands for a block of voxels (2 x 2 for a
/// 256 x 256 volume and a 128 x 128 network), and which voxels make a block is an accident of where the grid starts. Scoring
/// the volume also moved by one voxel, and so on up to the block's side, along y and x, gives the network every way of
/// cutting the blocks; each pass's probabilities are moved back and all are averaged on the volume's grid. For a 2x shrink
/// that is four passes, for 512 x 512 slices and a 128 x 128 network sixteen; a model that keeps the slices' size gets one.
/// </summary>
public static class TestTimeShifts
{
    /// <summary>
    /// The whole-voxel moves (along y, along x) of the passes for a volume of <paramref name="sizeY"/> x <paramref name="sizeX"/>
    /// voxels per slice scored by a network of <paramref name="networkSize"/> pixels a side: 0 up to the shrink factor,
    /// rounded, less one, along each axis; (0, 0) alone when the slices are not shrunk (or <paramref name="networkSize"/> is null).
    /// </summary>
    public static IReadOnlyList<(int Y, int X)> Offsets(int sizeY, int sizeX, int? networkSize)
    {
        if (sizeY < 1 || sizeX < 1)
            throw new ArgumentException($"A slice of {sizeY} x {sizeX} voxels has no voxels.");
        int along(int size) => networkSize is { } n && n > 0 ? Math.Max(1, (int)Math.Round((double)size / n)) : 1;
        int stepsY = along(sizeY), stepsX = along(sizeX);
        var offsets = new List<(int, int)>(stepsY * stepsX);
        for (int y = 0; y < stepsY; y++)
            for (int x = 0; x < stepsX; x++)
                offsets.Add((y, x));
        return offsets;
    }

    /// <summary>
    /// Moves every slice of a volume's values by whole voxels: the result at (x, y, z) is the value at (x + <paramref name="x"/>,
    /// y + <paramref name="y"/>, z), the edge voxel's where that lies outside the slice. Moving by (y, x) and then by (-y, -x) gives
    /// back the values, except in the edge rows and columns that were repeated.
    /// </summary>
    /// <param name="values">
    /// One value per voxel of <paramref name="grid"/>, x fastest, then y, then z; or several such planes one after another
    /// (a class map's probabilities, one plane per class).
    /// </param>
    /// <param name="grid">The volume whose geometry the values have.</param>
    /// <param name="y">Voxels to move along y.</param>
    /// <param name="x">Voxels to move along x.</param>
    public static float[] Move(float[] values, Volume grid, int y, int x)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(grid);
        if (values.Length == 0 || values.Length % grid.Data.Length != 0)
            throw new ArgumentException($"{values.Length} values do not fill planes of {grid.SizeX} x {grid.SizeY} x {grid.SizeZ} voxels.", nameof(values));
        if (y == 0 && x == 0)
            return (float[])values.Clone();
        var moved = new float[values.Length];
        for (int z = 0; z < values.Length / grid.SliceLength; z++)
            for (int row = 0; row < grid.SizeY; row++)
            {
                int from = (z * grid.SizeY + Math.Clamp(row + y, 0, grid.SizeY - 1)) * grid.SizeX;
                int to = (z * grid.SizeY + row) * grid.SizeX;
                for (int column = 0; column < grid.SizeX; column++)
                    moved[to + column] = values[from + Math.Clamp(column + x, 0, grid.SizeX - 1)];
            }
        return moved;
    }

    /// <summary>
    /// The mean of a volume's probabilities over the passes of <see cref="Offsets"/>: the image moved by each offset, scored by
    /// <paramref name="score"/> (probabilities on the moved volume's grid), and moved back.
    /// </summary>
    /// <param name="image">The volume to score.</param>
    /// <param name="networkSize">The network's side, or null when the slices keep their size.</param>
    /// <param name="score">Scores a volume: one probability per voxel on its grid, or one plane of them per class.</param>
    public static float[] Average(Volume image, int? networkSize, Func<Volume, float[]> score)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(score);
        var offsets = Offsets(image.SizeY, image.SizeX, networkSize);
        float[]? sum = null;
        foreach (var (y, x) in offsets)
        {
            var moved = image.WithData(Move(image.Data, image, y, x));
            var back = Move(score(moved), image, -y, -x);
            sum ??= new float[back.Length];
            if (back.Length != sum.Length)
                throw new InvalidOperationException($"A pass gave {back.Length} probabilities, another {sum.Length}.");
            for (int i = 0; i < sum.Length; i++)
                sum[i] += back[i];
        }
        // The sum is kept in single precision, in place, so that a volume of several class planes is not held twice more.
        for (int i = 0; i < sum!.Length; i++)
            sum[i] /= offsets.Count;
        return sum;
    }
}
