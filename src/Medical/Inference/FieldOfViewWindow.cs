using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Inference;

/// <summary>
/// A window that shows the network slices no wider than the training's. The network sees each slice shrunk to its input
/// size by pixel count, so a network pixel stands for the slice's width over that size: a slice much wider than the
/// training's shows the anatomy smaller than the network learned it. Along such an axis, a window of the widest
/// training slice's width is cut around the body (the centre of the voxels brighter than the volume's mean), as the
/// training slices were cut around it, and voxels outside it are background. Training cuts its own much wider patients
/// the same way (<see cref="Cut"/>). One window, not overlapping tiles: a network trained on slices that show the whole
/// body, or a window around it, has never seen a body cut through its middle. A narrower slice is scored whole (and
/// flagged by <see cref="InputGeometry.Check"/> when much narrower): padded to the training's width, it shows the
/// network a cut body in a dark frame, which scored worse than the anatomy drawn larger (bench/liver-field-of-view.sh).
/// </summary>
public sealed class FieldOfViewWindow
{
    /// <summary>
    /// A slice side up to this factor wider than the widest training slice (15 %) is scored whole: the liver recipes'
    /// augmentation shows the network anatomy up to 15 % smaller, so it has seen that scale.
    /// </summary>
    public const double Tolerance = 1.15;

    readonly Volume image;

    FieldOfViewWindow(Volume image, (int Start, int Length) y, (int Start, int Length) x)
    {
        this.image = image;
        AlongY = y;
        AlongX = x;
    }

    /// <summary>
    /// The window for <paramref name="image"/>'s slices, stored as the training volumes were (turned first, by
    /// <see cref="InputGeometry.ReorientationFor"/>); null when no side is more than <see cref="Tolerance"/> wider than
    /// the widest training slice.
    /// </summary>
    public static FieldOfViewWindow? For(Volume image, InputGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(geometry);
        // A record without a usable width (hand-written, say) windows nothing.
        if (!(geometry.FieldOfViewMaxMm > 0) || double.IsInfinity(geometry.FieldOfViewMaxMm))
            return null;
        bool wide(int size, double spacing) => size * spacing > geometry.FieldOfViewMaxMm * Tolerance;
        bool wideY = wide(image.SizeY, image.SpacingY), wideX = wide(image.SizeX, image.SpacingX);
        if (!wideY && !wideX)
            return null;
        var (centreY, centreX) = BodyCentre(image);
        return new FieldOfViewWindow(image,
            wideY ? Around(image.SizeY, image.SpacingY, centreY, geometry) : (0, image.SizeY),
            wideX ? Around(image.SizeX, image.SpacingX, centreX, geometry) : (0, image.SizeX));
    }

    /// <summary>Where the window starts along y and how many voxels it spans.</summary>
    public (int Start, int Length) AlongY { get; }

    /// <summary>Where the window starts along x and how many voxels it spans.</summary>
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
        var (y, x) = (AlongY, AlongX);
        var data = WindowData(image);
        var values = score(new Volume(data, x.Length, y.Length, image.SizeZ, image.SpacingX, image.SpacingY, image.SpacingZ));
        if (values.Length == 0 || values.Length % data.Length != 0)
            throw new InvalidOperationException($"A window of {data.Length} voxels was scored as {values.Length} values.");
        int planes = values.Length / data.Length;
        var result = new float[planes * image.Data.Length];
        for (int slice = 0; slice < planes * image.SizeZ; slice++)
            for (int row = 0; row < y.Length; row++)
                Array.Copy(values, (slice * y.Length + row) * x.Length, result, (slice * image.SizeY + y.Start + row) * image.SizeX + x.Start, x.Length);
        return result;
    }

    /// <summary>
    /// The window cut out of a volume on the image's grid (the image itself, or its label map), with a header whose sform
    /// places every voxel where it was (no header when the volume's does not place it in the world). Training cuts its
    /// much wider volumes this way, so that the network learns them at the scale of the others.
    /// </summary>
    /// <exception cref="ArgumentException">The volume is not on the image's grid.</exception>
    public Volume Cut(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.SizeX != image.SizeX || volume.SizeY != image.SizeY || volume.SizeZ != image.SizeZ)
            throw new ArgumentException($"A {volume.SizeX} x {volume.SizeY} x {volume.SizeZ} volume is not on the window's grid of " +
                                        $"{image.SizeX} x {image.SizeY} x {image.SizeZ}.", nameof(volume));
        return new Volume(WindowData(volume), AlongX.Length, AlongY.Length, volume.SizeZ, volume.SpacingX, volume.SpacingY, volume.SpacingZ,
            CutHeader(volume.Header, volume.SizeZ));
    }

    /// <summary>
    /// The window moved as little as it takes to hold every labelled (non-zero) voxel of <paramref name="label"/>, a
    /// label map on the image's grid, so that training does not cut its organs; null when they span more than the
    /// window along a side it cuts.
    /// </summary>
    internal FieldOfViewWindow? Holding(Volume label)
    {
        int minY = int.MaxValue, maxY = -1, minX = int.MaxValue, maxX = -1;
        for (int z = 0; z < label.SizeZ; z++)
            for (int y = 0; y < label.SizeY; y++)
                for (int x = 0; x < label.SizeX; x++)
                    if (label[x, y, z] != 0)
                        (minY, maxY, minX, maxX) = (Math.Min(minY, y), Math.Max(maxY, y), Math.Min(minX, x), Math.Max(maxX, x));
        if (maxY < 0)
            return this;
        return Holding(AlongY, minY, maxY, image.SizeY) is { } alongY && Holding(AlongX, minX, maxX, image.SizeX) is { } alongX
            ? new FieldOfViewWindow(image, alongY, alongX)
            : null;
    }

    static (int Start, int Length)? Holding((int Start, int Length) window, int first, int last, int size) =>
        last - first + 1 > window.Length ? null : (Math.Clamp(Math.Clamp(window.Start, last - window.Length + 1, first), 0, size - window.Length), window.Length);

    /// <summary>
    /// A warning when a mask on the volume's grid reaches an edge of the window that lies inside the volume: the organ
    /// may go on outside the window, where nothing was scored. Empty when it does not.
    /// </summary>
    public IReadOnlyList<string> CutOffWarnings(bool[] mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Length != image.Data.Length)
            throw new ArgumentException($"A mask of {mask.Length} voxels is not on the volume's grid of {image.Data.Length}.", nameof(mask));
        var (y, x) = (AlongY, AlongX);
        // The window's sides that are not the volume's own.
        bool inner(int row, int column) =>
            (column == x.Start && x.Start > 0) || (column == x.Start + x.Length - 1 && x.Start + x.Length < image.SizeX) ||
            (row == y.Start && y.Start > 0) || (row == y.Start + y.Length - 1 && y.Start + y.Length < image.SizeY);
        for (int z = 0; z < image.SizeZ; z++)
            for (int row = y.Start; row < y.Start + y.Length; row++)
                for (int column = x.Start; column < x.Start + x.Length; column++)
                    if (mask[(z * image.SizeY + row) * image.SizeX + column] && inner(row, column))
                        return [FormattableString.Invariant($"the mask reaches the edge of the {AlongX.Length * image.SpacingX:F0} x {AlongY.Length * image.SpacingY:F0} mm window ") +
                                "it was scored in: the organ may go on outside it, where nothing was scored"];
        return [];
    }

    /// <summary>What was done, for logs and reports: "a slice spans 640 x 640 mm: scored in a window of 320 x 320 mm around the body".</summary>
    public override string ToString() => FormattableString.Invariant(
        $"a slice spans {image.SizeX * image.SpacingX:F0} x {image.SizeY * image.SpacingY:F0} mm: scored in a window of {AlongX.Length * image.SpacingX:F0} x {AlongY.Length * image.SpacingY:F0} mm around the body");

    float[] WindowData(Volume volume)
    {
        var (y, x) = (AlongY, AlongX);
        var data = new float[volume.SizeZ * y.Length * x.Length];
        for (int z = 0; z < volume.SizeZ; z++)
            for (int row = 0; row < y.Length; row++)
                Array.Copy(volume.Data, (z * volume.SizeY + y.Start + row) * volume.SizeX + x.Start, data, (z * y.Length + row) * x.Length, x.Length);
        return data;
    }

    // The window's first voxel sits where voxel (x.Start, y.Start, 0) sat: the affine's translation moves by its columns.
    NiftiHeader? CutHeader(NiftiHeader? header, int sizeZ)
    {
        if (header is null || NiftiOrientation.Affine(header) is not { } sform)
            return null;
        for (int world = 0; world < 3; world++)
            sform[world * 4 + 3] += sform[world * 4] * AlongX.Start + sform[world * 4 + 1] * AlongY.Start;
        return header with
        {
            Rank = Math.Max(header.Rank, 3), Dimensions = [AlongX.Length, AlongY.Length, sizeZ, .. header.Dimensions.Skip(3)], SForm = sform, SFormCode = header.SFormCode > 0 ? header.SFormCode : header.QFormCode,
            QFormCode = 0, Quaternion = new double[6], QFactor = 1,
        };
    }

    // The recorded width, centred on the body and kept inside the volume.
    static (int Start, int Length) Around(int size, double spacing, double bodyCentre, InputGeometry geometry)
    {
        int length = Math.Clamp((int)Math.Round(geometry.FieldOfViewMaxMm / spacing), 1, size);
        return (Math.Clamp((int)Math.Round(bodyCentre - (length - 1) / 2.0, MidpointRounding.AwayFromZero), 0, size - length), length);
    }

    // The mean row and column of the voxels brighter than the volume's mean: air is dark in MR and CT alike. (A voxel
    // that is not finite is refused later, when the slices are normalized.)
    static (double Y, double X) BodyCentre(Volume image)
    {
        double mean = image.Data.Where(float.IsFinite).DefaultIfEmpty().Average(v => (double)v), sumY = 0, sumX = 0;
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
}
