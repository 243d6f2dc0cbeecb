using MLNet.UNet.Medical.Metrics;

namespace MLNet.UNet.Medical.PostProcessing;

/// <summary>Clean-ups of a predicted organ mask that use what we know of the anatomy: one organ, no holes.</summary>
public static class MaskPostProcessing
{
    /// <summary>The post-processing of the 3D path: the largest component, with its holes filled.</summary>
    public static BinaryVolume Clean(BinaryVolume mask) => FillHoles(KeepLargestComponent(mask));

    /// <summary>Keeps the largest 3D connected component (26-connectivity: voxels touching by a face, edge or corner).</summary>
    public static BinaryVolume KeepLargestComponent(BinaryVolume mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var label = new int[mask.Voxels.Length];
        var sizes = new List<int> { 0 };
        var stack = new Stack<int>();
        int plane = mask.SizeX * mask.SizeY;
        for (int start = 0; start < label.Length; start++)
        {
            if (!mask.Voxels[start] || label[start] != 0)
                continue;
            int id = sizes.Count, size = 0;
            label[start] = id;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                size++;
                int z = i / plane, y = i % plane / mask.SizeX, x = i % mask.SizeX;
                for (int dz = -1; dz <= 1; dz++)
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int nx = x + dx, ny = y + dy, nz = z + dz;
                            if (nx < 0 || ny < 0 || nz < 0 || nx >= mask.SizeX || ny >= mask.SizeY || nz >= mask.SizeZ)
                                continue;
                            int n = nz * plane + ny * mask.SizeX + nx;
                            if (mask.Voxels[n] && label[n] == 0)
                            {
                                label[n] = id;
                                stack.Push(n);
                            }
                        }
            }
            sizes.Add(size);
        }
        if (sizes.Count <= 2)
            return mask.With((bool[])mask.Voxels.Clone());
        int largest = sizes.IndexOf(sizes.Max());
        return mask.With(label.Select(l => l == largest).ToArray());
    }

    /// <summary>
    /// Fills holes slice by slice: background regions (4-connected) that do not reach the slice border become
    /// foreground. Per slice because, with thick MRI slices, vessels that enclose nothing in 3D still make holes in 2D.
    /// </summary>
    public static BinaryVolume FillHoles(BinaryVolume mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var result = (bool[])mask.Voxels.Clone();
        int width = mask.SizeX, height = mask.SizeY, plane = width * height;
        var outside = new bool[plane];
        var stack = new Stack<int>();
        for (int z = 0; z < mask.SizeZ; z++)
        {
            Array.Clear(outside);
            int offset = z * plane;
            void Seed(int i)
            {
                if (!result[offset + i] && !outside[i])
                {
                    outside[i] = true;
                    stack.Push(i);
                }
            }
            for (int x = 0; x < width; x++) { Seed(x); Seed((height - 1) * width + x); }
            for (int y = 0; y < height; y++) { Seed(y * width); Seed(y * width + width - 1); }
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                int x = i % width, y = i / width;
                if (x > 0) Seed(i - 1);
                if (x < width - 1) Seed(i + 1);
                if (y > 0) Seed(i - width);
                if (y < height - 1) Seed(i + width);
            }
            for (int i = 0; i < plane; i++)
                if (!outside[i])
                    result[offset + i] = true;
        }
        return mask.With(result);
    }
}
