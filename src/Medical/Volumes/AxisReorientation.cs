using MLNet.UNet.Medical.Nifti;

namespace MLNet.UNet.Medical.Volumes;

/// <summary>
/// Turns a volume stored with one set of axis codes into another by whole axes (swapping stored axes and reversing
/// them; no interpolation, as nibabel's <c>ornt_transform</c> does), and a result on the turned grid back. A 2D
/// slice model sees its slices as stored, so a volume stored another way than its training volumes is turned to their
/// axis codes before it is scored, and its mask turned back to the volume's own grid.
/// </summary>
public sealed class AxisReorientation
{
    static readonly string[] Pairs = ["LR", "PA", "IS"];

    // For each axis of the turned grid: the stored axis it reads, and whether it runs the other way.
    readonly int[] storedAxis;
    readonly bool[] reversed;

    AxisReorientation(string from, string to, int[] storedAxis, bool[] reversed)
    {
        From = from;
        To = to;
        this.storedAxis = storedAxis;
        this.reversed = reversed;
    }

    /// <summary>The axis codes the volume is stored with.</summary>
    public string From { get; }

    /// <summary>The axis codes it is turned to.</summary>
    public string To { get; }

    /// <summary>
    /// True when the turn stacks the slices along another stored axis: the turned slices are cut across the stored ones
    /// (a coronal series turned to axial), with the stored slice spacing inside each of them.
    /// </summary>
    public bool MovesSliceAxis => storedAxis[2] != 2;

    /// <summary>The sizes and spacings of the turned grid of <paramref name="stored"/>, x, y, z, without moving its voxels.</summary>
    public (int Size, double Spacing)[] TurnedAxes(Volume stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        (int, double)[] axes = [(stored.SizeX, stored.SpacingX), (stored.SizeY, stored.SpacingY), (stored.SizeZ, stored.SpacingZ)];
        return [.. storedAxis.Select(a => axes[a])];
    }

    /// <summary>
    /// The turn from axis codes <paramref name="from"/> to <paramref name="to"/> (three letters each, one of L/R, one
    /// of P/A and one of I/S, as <see cref="Nifti.NiftiOrientation.AxisCodes"/> gives); null when they are the same.
    /// </summary>
    /// <exception cref="ArgumentException">Either is not three letters naming each world direction once.</exception>
    public static AxisReorientation? Between(string from, string to)
    {
        var fromWorld = WorldAxes(from, nameof(from));
        var toWorld = WorldAxes(to, nameof(to));
        if (from == to)
            return null;
        var storedAxis = new int[3];
        var reversed = new bool[3];
        for (int axis = 0; axis < 3; axis++)
        {
            storedAxis[axis] = Array.IndexOf(fromWorld, toWorld[axis]);
            reversed[axis] = from[storedAxis[axis]] != to[axis];
        }
        return new AxisReorientation(from, to, storedAxis, reversed);
    }

    /// <summary>
    /// The volume on the turned grid: its voxels moved, sizes and spacings following their axes, and, when it has a
    /// header that places it in the world, a header whose sform places the turned voxels where the stored ones were
    /// (so its axis codes are <see cref="To"/>); otherwise no header.
    /// </summary>
    public Volume Apply(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        int[] size = [volume.SizeX, volume.SizeY, volume.SizeZ];
        double[] spacing = [volume.SpacingX, volume.SpacingY, volume.SpacingZ];
        var sources = StoredIndices(size, volume.Data.Length);
        var data = new float[sources.Length];
        for (int i = 0; i < data.Length; i++)
            data[i] = volume.Data[sources[i]];
        return new Volume(data, size[storedAxis[0]], size[storedAxis[1]], size[storedAxis[2]],
            spacing[storedAxis[0]], spacing[storedAxis[1]], spacing[storedAxis[2]], TurnedHeader(volume.Header, size));
    }

    NiftiHeader? TurnedHeader(NiftiHeader? header, int[] size)
    {
        if (header is null || NiftiOrientation.Affine(header) is not { } affine)
            return null;
        var sform = new double[12];
        for (int world = 0; world < 3; world++)
        {
            sform[world * 4 + 3] = affine[world * 4 + 3];
            for (int axis = 0; axis < 3; axis++)
            {
                double column = affine[world * 4 + storedAxis[axis]];
                sform[world * 4 + axis] = reversed[axis] ? -column : column;
                // A reversed axis starts where the stored one ended.
                if (reversed[axis])
                    sform[world * 4 + 3] += column * (size[storedAxis[axis]] - 1);
            }
        }
        int[] dimensions = [.. storedAxis.Select(a => size[a]), .. header.Dimensions.Skip(3)];
        double[] spacing = [.. storedAxis.Select(a => a < header.Spacing.Length ? header.Spacing[a] : 1), .. header.Spacing.Skip(3)];
        return header with
        {
            Rank = Math.Max(header.Rank, 3), Dimensions = dimensions, Spacing = spacing, SForm = sform, SFormCode = header.SFormCode > 0 ? header.SFormCode : header.QFormCode,
            QFormCode = 0, Quaternion = new double[6], QFactor = 1,
        };
    }

    /// <summary>Values on the turned grid of <paramref name="stored"/> (one per voxel, as <see cref="Apply"/> lays them) put back on the stored grid.</summary>
    /// <param name="turned">Values in the turned grid's order.</param>
    /// <param name="stored">The volume as stored, whose grid the values go back to.</param>
    public T[] Undo<T>(T[] turned, Volume stored)
    {
        ArgumentNullException.ThrowIfNull(turned);
        ArgumentNullException.ThrowIfNull(stored);
        var sources = StoredIndices([stored.SizeX, stored.SizeY, stored.SizeZ], turned.Length);
        var values = new T[turned.Length];
        for (int i = 0; i < turned.Length; i++)
            values[sources[i]] = turned[i];
        return values;
    }

    // For each voxel of the turned grid, in its order, the index of the stored voxel it reads.
    int[] StoredIndices(int[] size, int count)
    {
        if (count != size[0] * size[1] * size[2])
            throw new ArgumentException($"{count} values do not fill a {size[0]} x {size[1]} x {size[2]} grid.");
        int[] stride = [1, size[0], size[0] * size[1]];
        int[] turnedSize = [size[storedAxis[0]], size[storedAxis[1]], size[storedAxis[2]]];
        var indices = new int[count];
        int n = 0;
        for (int k = 0; k < turnedSize[2]; k++)
            for (int j = 0; j < turnedSize[1]; j++)
                for (int i = 0; i < turnedSize[0]; i++)
                    indices[n++] = Offset(0, i) + Offset(1, j) + Offset(2, k);
        return indices;

        int Offset(int axis, int index) =>
            stride[storedAxis[axis]] * (reversed[axis] ? turnedSize[axis] - 1 - index : index);
    }

    // For each stored axis, the world direction it runs along (0 left-right, 1 back-front, 2 down-up).
    static int[] WorldAxes(string codes, string name)
    {
        ArgumentNullException.ThrowIfNull(codes, name);
        var world = codes.Length == 3 ? codes.Select(c => Array.FindIndex(Pairs, p => p.Contains(c))).ToArray() : null;
        if (world is null || world.Contains(-1) || world.Distinct().Count() != 3)
            throw new ArgumentException($"Axis codes '{codes}' must be three letters, one of L/R, one of P/A and one of I/S (for example LAS).", name);
        return world;
    }
}
