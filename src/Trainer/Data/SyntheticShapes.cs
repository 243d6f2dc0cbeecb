namespace MLNet.UNet.Data;

/// <summary>
/// Generates images of random filled ellipses and polygons on a noisy, shaded background with their exact masks:
/// data for quick starts, tests and benchmarks that needs no files. The same seed gives the same images.
/// </summary>
public static class SyntheticShapes
{
    /// <summary>Generates <paramref name="count"/> single-channel images (height x width) and binary masks.</summary>
    /// <param name="count">Number of image/mask pairs.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="seed">Random seed.</param>
    /// <param name="noise">Standard deviation of the Gaussian noise; shapes are about 1 brighter than the background.</param>
    public static (List<float[]> Images, List<float[]> Masks) Generate(int count, int height, int width, int seed, double noise = 0.3)
    {
        if (count < 1 || height < 8 || width < 8)
            throw new ArgumentException($"Need at least one image of at least 8 x 8 pixels, got {count} of {height} x {width}.");
        var random = new Random(seed);
        var images = new List<float[]>(count);
        var masks = new List<float[]>(count);
        for (int n = 0; n < count; n++)
        {
            var mask = new float[height * width];
            int shapes = random.Next(1, 4);
            for (int s = 0; s < shapes; s++)
            {
                if (random.NextDouble() < 0.5)
                    DrawEllipse(mask, height, width, random);
                else
                    DrawPolygon(mask, height, width, random);
            }
            var image = new float[height * width];
            double slopeX = random.NextDouble() - 0.5, slopeY = random.NextDouble() - 0.5;
            double contrast = 0.8 + 0.4 * random.NextDouble();
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int i = y * width + x;
                    double shading = 0.5 * (slopeX * x / width + slopeY * y / height);
                    image[i] = (float)(mask[i] * contrast + shading + noise * Gaussian(random));
                }
            images.Add(image);
            masks.Add(mask);
        }
        return (images, masks);
    }

    /// <summary>Generates the images straight into a <see cref="SegmentationDataset"/>.</summary>
    public static SegmentationDataset Dataset(int count, int height, int width, int seed, double noise = 0.3)
    {
        var (images, masks) = Generate(count, height, width, seed, noise);
        return SegmentationDataset.FromArrays(images, masks, 1, height, width);
    }

    static void DrawEllipse(float[] mask, int height, int width, Random random)
    {
        double cx = width * (0.2 + 0.6 * random.NextDouble()), cy = height * (0.2 + 0.6 * random.NextDouble());
        double rx = width * (0.08 + 0.15 * random.NextDouble()), ry = height * (0.08 + 0.15 * random.NextDouble());
        double angle = random.NextDouble() * Math.PI, cos = Math.Cos(angle), sin = Math.Sin(angle);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                double u = (dx * cos + dy * sin) / rx, v = (-dx * sin + dy * cos) / ry;
                if (u * u + v * v <= 1)
                    mask[y * width + x] = 1;
            }
    }

    static void DrawPolygon(float[] mask, int height, int width, Random random)
    {
        double cx = width * (0.2 + 0.6 * random.NextDouble()), cy = height * (0.2 + 0.6 * random.NextDouble());
        int corners = random.Next(3, 7);
        var angles = Enumerable.Range(0, corners).Select(_ => random.NextDouble() * 2 * Math.PI).Order().ToArray();
        var px = new double[corners];
        var py = new double[corners];
        for (int k = 0; k < corners; k++)
        {
            double radius = Math.Min(width, height) * (0.1 + 0.15 * random.NextDouble());
            px[k] = cx + radius * Math.Cos(angles[k]);
            py[k] = cy + radius * Math.Sin(angles[k]);
        }
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                if (Inside(px, py, x + 0.5, y + 0.5))
                    mask[y * width + x] = 1;
    }

    // Even-odd rule; the corners are in angular order, so the polygon is simple (star-shaped around its centre).
    static bool Inside(double[] px, double[] py, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = px.Length - 1; i < px.Length; j = i++)
            if ((py[i] > y) != (py[j] > y) && x < (px[j] - px[i]) * (y - py[i]) / (py[j] - py[i]) + px[i])
                inside = !inside;
        return inside;
    }

    static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
