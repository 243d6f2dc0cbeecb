namespace MLNet.UNet.Medical.Metrics;

/// <summary>
/// Exact Euclidean distance transform on an anisotropic 3D grid (Felzenszwalb and Huttenlocher's separable
/// lower-envelope algorithm, one pass per axis): for every voxel, the distance in mm to the nearest feature voxel.
/// </summary>
internal static class DistanceTransform
{
    /// <summary>Distances to the nearest voxel where <paramref name="features"/> is true; +infinity if there is none.</summary>
    public static double[] ToNearest(bool[] features, int sizeX, int sizeY, int sizeZ, double spacingX, double spacingY, double spacingZ)
    {
        var squared = new double[features.Length];
        for (int i = 0; i < squared.Length; i++)
            squared[i] = features[i] ? 0 : double.PositiveInfinity;
        int plane = sizeX * sizeY;
        int longest = Math.Max(sizeX, Math.Max(sizeY, sizeZ));
        var line = new double[longest];
        var output = new double[longest];
        var vertices = new int[longest];
        var bounds = new double[longest + 1];
        void Pass(int count, int length, Func<int, int> start, int stride, double spacing)
        {
            for (int l = 0; l < count; l++)
            {
                int first = start(l);
                for (int k = 0; k < length; k++)
                    line[k] = squared[first + k * stride];
                Envelope(line, output, length, spacing, vertices, bounds);
                for (int k = 0; k < length; k++)
                    squared[first + k * stride] = output[k];
            }
        }
        Pass(sizeY * sizeZ, sizeX, l => l * sizeX, 1, spacingX);
        Pass(sizeX * sizeZ, sizeY, l => l / sizeX * plane + l % sizeX, sizeX, spacingY);
        Pass(plane, sizeZ, l => l, plane, spacingZ);
        for (int i = 0; i < squared.Length; i++)
            squared[i] = Math.Sqrt(squared[i]);
        return squared;
    }

    // d(p) = min over q of ((p - q) * spacing)^2 + f(q), via the lower envelope of parabolas.
    static void Envelope(double[] f, double[] d, int n, double spacing, int[] v, double[] z)
    {
        int k = -1;
        for (int q = 0; q < n; q++)
        {
            if (double.IsPositiveInfinity(f[q]))
                continue;
            double s = double.NegativeInfinity;
            while (k >= 0)
            {
                int p = v[k];
                double pq = (q - p) * spacing;
                s = (f[q] - f[p] + (q * spacing) * (q * spacing) - (p * spacing) * (p * spacing)) / (2 * pq);
                if (s > z[k])
                    break;
                k--;
            }
            k++;
            v[k] = q;
            z[k] = k == 0 ? double.NegativeInfinity : s;
            z[k + 1] = double.PositiveInfinity;
        }
        if (k < 0)
        {
            Array.Fill(d, double.PositiveInfinity, 0, n);
            return;
        }
        int j = 0;
        for (int q = 0; q < n; q++)
        {
            while (z[j + 1] < q * spacing)
                j++;
            double dq = (q - v[j]) * spacing;
            d[q] = dq * dq + f[v[j]];
        }
    }
}
