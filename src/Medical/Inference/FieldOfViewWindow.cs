using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Inference;

/// <summary>
/// A window that shows the network slices spanning the training's field of view. The network sees each slice shrunk to
/// its input size by pixel count, so a network pixel stands for the slice's width over that size: a slice wider than the
/// training's shows the anatomy smaller than the network learned it, a narrower one larger. Along an axis narrower than
/// the training's slices, the volume is padded evenly with its lowest value to their width. Along a wider one, a window
/// of their width is cut around the body (the centre of the voxels brighter than the volume's mean), as the training
/// slices were cut around it; voxels outside it are background. One window, not overlapping tiles: a network trained
/// on whole slices has never seen a body cut through the middle. An axis within <see cref="Tolerance"/> of the
/// training's range is scored whole.
/// </summary>
public sealed class FieldOfViewWindow
{
    /// <summary>
    /// A slice side within this factor of the training's range (5 % wider or narrower) is scored whole: a third of the
    /// scale change that the liver recipes' augmentation shows the network.
    /// </summary>
    public const double Tolerance = 1.05;

    readonly Volume image;

    FieldOfViewWindow(Volume image, (int Start, int Length) y, (int Start, int Length) x)
    {
        this.image = image;
        AlongY = y;
        AlongX = x;
    }

    /// <summary>
    /// The window for <paramref name="image"/>'s slices, stored as the training volumes were (turned first, by
    /// <see cref="InputGeometry.ReorientationFor"/>); null when they already span the training's field of view.
    /// </summary>
    public static FieldOfViewWindow? For(Volume image, InputGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(geometry);
        bool within(int size, double spacing) =>
            size * spacing >= geometry.FieldOfViewMinMm / Tolerance && size * spacing <= geometry.FieldOfViewMaxMm * Tolerance;
        if (within(image.SizeY, image.SpacingY) && within(image.SizeX, image.SpacingX))
            return null;
        var (centreY, centreX) = BodyCentre(image);
        return new FieldOfViewWindow(image,
            within(image.SizeY, image.SpacingY) ? (0, image.SizeY) : Along(image.SizeY, image.SpacingY, centreY, geometry),
            within(image.SizeX, image.SpacingX) ? (0, image.SizeX) : Along(image.SizeX, image.SpacingX, centreX, geometry));
    }

    /// <summary>Where the window starts along y (negative when the volume is padded) and how many voxels it spans.</summary>
    public (int Start, int Length) AlongY { get; }

    /// <summary>Where the window starts along x (negative when the volume is padded) and how many voxels it spans.</summary>
    public (int Start, int Length) AlongX { get; }

    /// <summary>
    /// Scores the window and puts the result back on the volume's grid; voxels outside the window get 0 in every plane
    /// (background: no organ's probability, and a class map's lowest class wins a tie).
    /// </summary>
    /// <param name="score">Scores a window (a volume with the image's spacing and no header): one value per voxel of it, or one plane of them per class.</param>
    /// <returns>The values on the image's grid, as many planes as <paramref name="score"/> gives.</returns>
    public float[] Score(Func<Volume, float[]> score)
    {
        ArgumentNullException.ThrowIfNull(score);
        var window = Cut();
        var values = score(window);
        if (values.Length == 0 || values.Length % window.Data.Length != 0)
            throw new InvalidOperationException($"A window of {window.Data.Length} voxels was scored as {values.Length} values.");
        int planes = values.Length / window.Data.Length;
        var result = new float[planes * image.Data.Length];
        var (y, x) = (AlongY, AlongX);
        int first = Math.Max(0, x.Start), last = Math.Min(image.SizeX, x.Start + x.Length);
        for (int slice = 0; slice < planes * image.SizeZ; slice++)
            for (int row = Math.Max(0, y.Start); row < Math.Min(image.SizeY, y.Start + y.Length); row++)
                Array.Copy(values, (slice * y.Length + row - y.Start) * x.Length + first - x.Start, result, (slice * image.SizeY + row) * image.SizeX + first, last - first);
        return result;
    }

    /// <summary>What was done, for logs and reports: "a slice spans 640 x 640 mm: scored in a window of 320 x 320 mm around the body".</summary>
    public override string ToString()
    {
        string span = FormattableString.Invariant($"{AlongX.Length * image.SpacingX:F0} x {AlongY.Length * image.SpacingY:F0} mm");
        bool cropped = AlongX.Length < image.SizeX || AlongY.Length < image.SizeY;
        return FormattableString.Invariant($"a slice spans {image.SizeX * image.SpacingX:F0} x {image.SizeY * image.SpacingY:F0} mm: ") +
               (cropped ? $"scored in a window of {span} around the body" : $"padded to {span}");
    }

    // The window along an axis outside the training's range: padded evenly to the narrowest training slice, or the
    // widest training slice's width centred on the body and kept inside the volume.
    static (int Start, int Length) Along(int size, double spacing, double bodyCentre, InputGeometry geometry)
    {
        if (size * spacing < geometry.FieldOfViewMinMm)
        {
            int padded = (int)Math.Round(geometry.FieldOfViewMinMm / spacing);
            return (-((padded - size) / 2), padded);
        }
        int length = Math.Clamp((int)Math.Round(geometry.FieldOfViewMaxMm / spacing), 1, size);
        return (Math.Clamp((int)Math.Round(bodyCentre - length / 2.0), 0, size - length), length);
    }

    // The mean row and column of the voxels brighter than the volume's mean: air is dark in MR and CT alike.
    static (double Y, double X) BodyCentre(Volume image)
    {
        double mean = image.Data.Average(v => (double)v), sumY = 0, sumX = 0;
        long count = 0;
        for (int z = 0; z < image.SizeZ; z++)
            for (int y = 0; y < image.SizeY; y++)
                for (int x = 0; x < image.SizeX; x++)
                    if (image[x, y, z] > mean)
                    {
                        sumY += y;
                        sumX += x;
                        count++;
                    }
        return count == 0 ? ((image.SizeY - 1) / 2.0, (image.SizeX - 1) / 2.0) : (sumY / count, sumX / count);
    }

    // The window's voxels, the volume's lowest value where it lies outside the volume.
    Volume Cut()
    {
        var (y, x) = (AlongY, AlongX);
        var data = new float[image.SizeZ * y.Length * x.Length];
        Array.Fill(data, image.Data.Min());
        int first = Math.Max(0, x.Start), last = Math.Min(image.SizeX, x.Start + x.Length);
        for (int z = 0; z < image.SizeZ; z++)
            for (int row = Math.Max(0, y.Start); row < Math.Min(image.SizeY, y.Start + y.Length); row++)
                Array.Copy(image.Data, (z * image.SizeY + row) * image.SizeX + first, data, (z * y.Length + row - y.Start) * x.Length + first - x.Start, last - first);
        return new Volume(data, x.Length, y.Length, image.SizeZ, image.SpacingX, image.SpacingY, image.SpacingZ);
    }
}
