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
