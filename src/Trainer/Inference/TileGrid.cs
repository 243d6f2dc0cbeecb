namespace MLNet.UNet.Inference;

/// <summary>Where the tiles of a sliding window start along one image axis.</summary>
public static class TileGrid
{
    /// <summary>
    /// The start of each tile along an axis of <paramref name="length"/> pixels: the fewest tiles that overlap by at least
    /// <paramref name="overlap"/> of their side, spread evenly from the first pixel to the last (as nnU-Net places them),
    /// so the last tile ends on the image's edge. An axis no longer than a tile has one tile at 0.
    /// </summary>
    public static int[] Starts(int length, int tile, double overlap)
    {
        if (tile < 1 || length < 1)
            throw new ArgumentOutOfRangeException(nameof(tile), $"Tile and axis lengths must be positive, got a tile of {tile} on {length} pixels.");
        if (!(overlap >= 0 && overlap < 1))
            throw new ArgumentOutOfRangeException(nameof(overlap), $"The overlap must be in [0, 1), got {overlap}.");
        if (length <= tile)
            return [0];
        double stride = Math.Max(1, tile * (1 - overlap));
        int count = (int)Math.Ceiling((length - tile) / stride - 1e-9) + 1;
        double step = (double)(length - tile) / (count - 1);
        return [.. Enumerable.Range(0, count).Select(i => (int)Math.Round(i * step))];
    }

    /// <summary>
    /// Weights of a tile's pixels, <paramref name="tile"/> x <paramref name="tile"/> row-major: a Gaussian with sigma 1/8
    /// of the side, scaled to 1 at the centre and kept above 0 at the corners (so every pixel has some weight); or all ones.
    /// </summary>
    public static float[] Weights(int tile, TileBlend blend)
    {
        var weights = new float[tile * tile];
        if (blend == TileBlend.Constant)
        {
            Array.Fill(weights, 1f);
            return weights;
        }
        double sigma = tile / 8.0, centre = (tile - 1) / 2.0;
        var axis = Enumerable.Range(0, tile).Select(i => Math.Exp(-(i - centre) * (i - centre) / (2 * sigma * sigma))).ToArray();
        for (int y = 0; y < tile; y++)
            for (int x = 0; x < tile; x++)
                weights[y * tile + x] = (float)Math.Max(axis[y] * axis[x], 1e-4);
        return weights;
    }
}
