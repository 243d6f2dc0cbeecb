namespace MLNet.UNet.Medical.Volumes;

/// <summary>Resizes 2D slices (row-major, height x width): bilinear for intensities, nearest for labels.</summary>
public static class SliceResampler
{
    /// <summary>Bilinear resize with pixel centres aligned (align_corners = false, as PyTorch and ResizeImages-style scalers).</summary>
    public static float[] Bilinear(float[] source, int height, int width, int newHeight, int newWidth)
    {
        Check(source, height, width, newHeight, newWidth);
        if (height == newHeight && width == newWidth)
            return (float[])source.Clone();
        var result = new float[newHeight * newWidth];
        double scaleY = (double)height / newHeight, scaleX = (double)width / newWidth;
        for (int y = 0; y < newHeight; y++)
        {
            double sy = Math.Clamp((y + 0.5) * scaleY - 0.5, 0, height - 1);
            int y0 = (int)sy, y1 = Math.Min(y0 + 1, height - 1);
            double fy = sy - y0;
            for (int x = 0; x < newWidth; x++)
            {
                double sx = Math.Clamp((x + 0.5) * scaleX - 0.5, 0, width - 1);
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

    static void Check(float[] source, int height, int width, int newHeight, int newWidth)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (height < 1 || width < 1 || newHeight < 1 || newWidth < 1 || source.Length != height * width)
            throw new ArgumentException($"Cannot resize {source.Length} values as {height} x {width} to {newHeight} x {newWidth}.");
    }
}
