namespace MLNet.UNet.Medical.Volumes;

/// <summary>Resizes 2D slices (row-major, height x width): bilinear or area for intensities, nearest for labels, area for label fractions.</summary>
public static class SliceResampler
{
    /// <summary>Bilinear resize with pixel centres aligned (align_corners = false, as PyTorch and ResizeImages-style scalers).</summary>
    /// <param name="source">The slice, row-major.</param>
    /// <param name="height">Its height.</param>
    /// <param name="width">Its width.</param>
    /// <param name="newHeight">The new height.</param>
    /// <param name="newWidth">The new width.</param>
    /// <param name="sourceShiftY">
    /// Where the source's values sit along y, in source pixels past their pixels' centres; 0, the default, for values at the
    /// centres. A network whose training labels were shrunk by <see cref="Nearest"/> predicts values that sit
    /// <see cref="NearestShift"/> past them.
    /// </param>
    /// <param name="sourceShiftX">The same along x.</param>
    public static float[] Bilinear(float[] source, int height, int width, int newHeight, int newWidth, double sourceShiftY = 0, double sourceShiftX = 0)
    {
        Check(source, height, width, newHeight, newWidth);
        if (!double.IsFinite(sourceShiftY) || !double.IsFinite(sourceShiftX))
            throw new ArgumentException($"A source shift must be finite, got {sourceShiftY} along y and {sourceShiftX} along x.");
        if (height == newHeight && width == newWidth && sourceShiftY == 0 && sourceShiftX == 0)
            return (float[])source.Clone();
        var result = new float[newHeight * newWidth];
        double scaleY = (double)height / newHeight, scaleX = (double)width / newWidth;
        for (int y = 0; y < newHeight; y++)
        {
            double sy = Math.Clamp((y + 0.5) * scaleY - 0.5 - sourceShiftY, 0, height - 1);
            int y0 = (int)sy, y1 = Math.Min(y0 + 1, height - 1);
            double fy = sy - y0;
            for (int x = 0; x < newWidth; x++)
            {
                double sx = Math.Clamp((x + 0.5) * scaleX - 0.5 - sourceShiftX, 0, width - 1);
                int x0 = (int)sx, x1 = Math.Min(x0 + 1, width - 1);
                double fx = sx - x0;
                double top = source[y0 * width + x0] * (1 - fx) + source[y0 * width + x1] * fx;
                double bottom = source[y1 * width + x0] * (1 - fx) + source[y1 * width + x1] * fx;
                result[y * newWidth + x] = (float)(top * (1 - fy) + bottom * fy);
            }
        }
        return result;
    }

    /// <summary>
    /// Resizes intensities for a network: <see cref="Bilinear"/>, except where a side shrinks by more than 2, where
    /// <see cref="Area"/>: bilinear would read only 2 x 2 of each larger block (a 512 x 512 slice shrunk to 128 would lose
    /// three pixels in four, noisier and aliased). At exactly 2x the two agree, so models trained on 2x shrinks are unchanged.
    /// </summary>
    public static float[] Intensities(float[] source, int height, int width, int newHeight, int newWidth) =>
        height > 2 * newHeight || width > 2 * newWidth
            ? Area(source, height, width, newHeight, newWidth)
            : Bilinear(source, height, width, newHeight, newWidth);

    /// <summary>
    /// Area resize: each new pixel is the mean of the source over its footprint, partial source pixels weighted by
    /// the share of them it covers. Applied to a 0/1 indicator, it gives the share of each new pixel that the
    /// structure covers (a label fraction); for a 2x shrink it is the bilinear resize's 2 x 2 mean.
    /// </summary>
    public static float[] Area(float[] source, int height, int width, int newHeight, int newWidth)
    {
        Check(source, height, width, newHeight, newWidth);
        var (rowsFrom, rowWeights) = Footprints(height, newHeight);
        var (columnsFrom, columnWeights) = Footprints(width, newWidth);
        var rows = new double[newHeight * width];
        for (int y = 0; y < newHeight; y++)
            for (int k = 0; k < rowWeights[y].Length; k++)
            {
                int sy = rowsFrom[y] + k;
                double weight = rowWeights[y][k];
                for (int x = 0; x < width; x++)
                    rows[y * width + x] += source[sy * width + x] * weight;
            }
        var result = new float[newHeight * newWidth];
        for (int y = 0; y < newHeight; y++)
            for (int x = 0; x < newWidth; x++)
            {
                double sum = 0;
                for (int k = 0; k < columnWeights[x].Length; k++)
                    sum += rows[y * width + columnsFrom[x] + k] * columnWeights[x][k];
                result[y * newWidth + x] = (float)sum;
            }
        return result;
    }

    // For each new index along an axis: the first source index under its footprint and the weight of each source
    // index from there, the overlap's length over the footprint's (summing to 1).
    static (int[] First, double[][] Weights) Footprints(int size, int newSize)
    {
        var first = new int[newSize];
        var weights = new double[newSize][];
        double scale = (double)size / newSize;
        for (int i = 0; i < newSize; i++)
        {
            double start = i * scale, end = (i + 1) * scale;
            int from = (int)Math.Floor(start), to = Math.Min((int)Math.Ceiling(end), size);
            first[i] = from;
            weights[i] = new double[to - from];
            for (int s = from; s < to; s++)
                weights[i][s - from] = (Math.Min(end, s + 1) - Math.Max(start, s)) / scale;
        }
        return (first, weights);
    }

    /// <summary>Nearest-neighbour resize (labels stay labels).</summary>
    public static float[] Nearest(float[] source, int height, int width, int newHeight, int newWidth)
    {
        Check(source, height, width, newHeight, newWidth);
        var result = new float[newHeight * newWidth];
        for (int y = 0; y < newHeight; y++)
        {
            int sy = Math.Min((int)((y + 0.5) * height / newHeight), height - 1);
            for (int x = 0; x < newWidth; x++)
                result[y * newWidth + x] = source[sy * width + Math.Min((int)((x + 0.5) * width / newWidth), width - 1)];
        }
        return result;
    }

    /// <summary>
    /// How far, on average, the pixel that <see cref="Nearest"/> takes for each new pixel lies past that new pixel's centre,
    /// in new pixels, along an axis of <paramref name="size"/> pixels resized to <paramref name="newSize"/>. A 2x shrink
    /// takes the lower-right pixel of each 2 x 2 block, a quarter of a new pixel past its centre: labels shrunk so sit that
    /// far from images shrunk by <see cref="Bilinear"/> or <see cref="Area"/>, and a network trained on them learns the shift.
    /// 0 for a size kept, for shrinks by an odd factor, and on average for some other factors (2.5x: a tenth of a pixel
    /// one way, then the other).
    /// </summary>
    public static double NearestShift(int size, int newSize)
    {
        if (size < 1 || newSize < 1)
            throw new ArgumentException($"Cannot resize an axis of {size} pixels to {newSize}.");
        double total = 0, scale = (double)size / newSize;
        for (int i = 0; i < newSize; i++)
            total += (Math.Min((int)((i + 0.5) * size / newSize), size - 1) + 0.5) / scale - (i + 0.5);
        // Rounded, so that resizes whose pixels cancel out give exactly 0.
        return Math.Round(total / newSize, 9);
    }

    static void Check(float[] source, int height, int width, int newHeight, int newWidth)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (height < 1 || width < 1 || newHeight < 1 || newWidth < 1 || source.Length != height * width)
            throw new ArgumentException($"Cannot resize {source.Length} values as {height} x {width} to {newHeight} x {newWidth}.");
    }
}
