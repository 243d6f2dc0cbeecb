using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.PostProcessing;

/// <summary>Turns a volume's slice probabilities, at the network's size, into a mask on the volume's own grid.</summary>
public static class ProbabilityMask
{
    /// <summary>
    /// Optionally smooths the slices across z (<see cref="SliceSmoothing"/>), resizes each back to the grid's slice size
    /// (bilinear, from where the model's outputs sit: <see cref="OutputShift"/>) and thresholds it. Slices that are not given
    /// stay background.
    /// </summary>
    /// <param name="slices">Slice index and square probabilities (side x side, any side).</param>
    /// <param name="grid">The volume whose geometry the mask takes.</param>
    /// <param name="threshold">Foreground above this probability.</param>
    /// <param name="smoothingRadius">Neighbour slices on each side averaged with each slice; 0 for none.</param>
    /// <param name="shift">Where the model's outputs sit (its zip's <see cref="OutputShift"/>); null for the pixels' centres.</param>
    /// <returns>One value per voxel of <paramref name="grid"/>, x fastest, then y, then z.</returns>
    public static bool[] OnGrid(IReadOnlyList<(int Slice, float[] Probability)> slices, Volume grid, float threshold = 0.5f, int smoothingRadius = 0,
        OutputShift? shift = null) =>
        Array.ConvertAll(ProbabilitiesOnGrid(slices, grid, smoothingRadius, shift), p => p > threshold);

    /// <summary>
    /// The probabilities themselves on the volume's grid: optionally smoothed across z, each slice resized back to the
    /// grid's slice size (bilinear, from where the model's outputs sit: <paramref name="shift"/>); 0 in slices that are not given.
    /// </summary>
    public static float[] ProbabilitiesOnGrid(IReadOnlyList<(int Slice, float[] Probability)> slices, Volume grid, int smoothingRadius = 0,
        OutputShift? shift = null)
    {
        shift ??= OutputShift.None;
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(grid);
        var onGrid = new float[grid.Data.Length];
        foreach (var (z, probability) in SliceSmoothing.AcrossSlices(slices, smoothingRadius))
        {
            if (z < 0 || z >= grid.SizeZ)
                throw new InvalidDataException($"Slice {z} is outside the volume's 0..{grid.SizeZ - 1}.");
            int side = (int)Math.Round(Math.Sqrt(probability.Length));
            if (side * side != probability.Length)
                throw new InvalidDataException($"Slice {z} has {probability.Length} probabilities, which is not a square slice.");
            var resized = SliceResampler.Bilinear(probability, side, side, grid.SizeY, grid.SizeX, shift.Y, shift.X);
            resized.CopyTo(onGrid, z * grid.SliceLength);
        }
        return onGrid;
    }

    /// <summary>
    /// The class of every voxel of the volume's grid, for a model of several classes: each slice's class probabilities
    /// (classes x side x side, class planes one after another) optionally smoothed across z, each plane resized back to the
    /// grid's slice size (bilinear), then the class of highest probability. Slices that are not given stay background (0).
    /// </summary>
    /// <param name="slices">Slice index and class probabilities.</param>
    /// <param name="classes">Classes, the background (0) included.</param>
    /// <param name="grid">The volume whose geometry the class map takes.</param>
    /// <param name="smoothingRadius">Neighbour slices on each side averaged with each slice; 0 for none.</param>
    /// <param name="shift">Where the model's outputs sit (its zip's <see cref="OutputShift"/>); null for the pixels' centres.</param>
    /// <returns>One class index per voxel of <paramref name="grid"/>, x fastest, then y, then z.</returns>
    public static int[] ClassesOnGrid(IReadOnlyList<(int Slice, float[] Probability)> slices, int classes, Volume grid, int smoothingRadius = 0,
        OutputShift? shift = null) =>
        ClassMapOnGrid(slices, classes, grid, smoothingRadius, shift).Classes;

    /// <summary>
    /// <see cref="ClassesOnGrid"/> with the probability of each voxel's class beside it (0 in slices that are not given),
    /// which says how sure the model was, organ by organ. It holds one class plane of a slice at a time.
    /// </summary>
    public static (int[] Classes, float[] Confidence) ClassMapOnGrid(IReadOnlyList<(int Slice, float[] Probability)> slices, int classes, Volume grid,
        int smoothingRadius = 0, OutputShift? shift = null)
    {
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(grid);
        CheckClasses(classes);
        var onGrid = new int[grid.Data.Length];
        var confidence = new float[grid.Data.Length];
        foreach (var (z, c, plane) in ResizedClassPlanes(slices, classes, grid, smoothingRadius, shift ?? OutputShift.None))
            TakeWhereLikelier(plane, c, onGrid.AsSpan(z * grid.SliceLength, plane.Length), confidence.AsSpan(z * grid.SliceLength, plane.Length));
        return (onGrid, confidence);
    }

    /// <summary>
    /// Each class's probabilities on the volume's grid (class planes one after another, each one value per voxel): optionally
    /// smoothed across z, each plane resized back to the grid's slice size (bilinear, from where the model's outputs sit);
    /// 0 in every class in slices that are not given. It holds every class's plane of the whole volume, which averaging
    /// several passes needs (<see cref="Inference.TestTimeShifts"/>); <see cref="ClassMapOnGrid"/> needs less.
    /// </summary>
    /// <param name="slices">Slice index and class probabilities (classes x side x side, class planes one after another).</param>
    /// <param name="classes">Classes, the background (0) included.</param>
    /// <param name="grid">The volume whose geometry the planes take.</param>
    /// <param name="smoothingRadius">Neighbour slices on each side averaged with each slice; 0 for none.</param>
    /// <param name="shift">Where the model's outputs sit (its zip's <see cref="OutputShift"/>); null for the pixels' centres.</param>
    public static float[] ClassProbabilitiesOnGrid(IReadOnlyList<(int Slice, float[] Probability)> slices, int classes, Volume grid, int smoothingRadius = 0,
        OutputShift? shift = null)
    {
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(grid);
        CheckClasses(classes);
        int voxels = grid.Data.Length;
        var onGrid = new float[classes * voxels];
        foreach (var (z, c, plane) in ResizedClassPlanes(slices, classes, grid, smoothingRadius, shift ?? OutputShift.None))
            plane.CopyTo(onGrid, c * voxels + z * grid.SliceLength);
        return onGrid;
    }

    // Each given slice's class planes, smoothed across z and resized to the grid's slice size, slice by slice and class 0 first.
    static IEnumerable<(int Slice, int Class, float[] Plane)> ResizedClassPlanes(IReadOnlyList<(int Slice, float[] Probability)> slices, int classes,
        Volume grid, int smoothingRadius, OutputShift shift)
    {
        foreach (var (z, probability) in SliceSmoothing.AcrossSlices(slices, smoothingRadius))
        {
            if (z < 0 || z >= grid.SizeZ)
                throw new InvalidDataException($"Slice {z} is outside the volume's 0..{grid.SizeZ - 1}.");
            int plane = probability.Length / classes;
            int side = (int)Math.Round(Math.Sqrt(plane));
            if (plane * classes != probability.Length || side * side != plane)
                throw new InvalidDataException($"Slice {z} has {probability.Length} probabilities, which is not {classes} square class planes.");
            for (int c = 0; c < classes; c++)
                yield return (z, c, SliceResampler.Bilinear(probability[(c * plane)..((c + 1) * plane)], side, side, grid.SizeY, grid.SizeX, shift.Y, shift.X));
        }
    }

    /// <summary>
    /// The class of highest probability at each voxel, and that probability, from class planes one after another
    /// (<see cref="ClassProbabilitiesOnGrid"/>); the lower class wins a tie, so voxels where every class is 0 are background.
    /// </summary>
    /// <param name="probabilities">Class planes of equal length, one after another.</param>
    /// <param name="classes">Classes, the background (0) included.</param>
    public static (int[] Classes, float[] Confidence) ClassMap(float[] probabilities, int classes)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        CheckClasses(classes);
        if (probabilities.Length % classes != 0)
            throw new ArgumentException($"{probabilities.Length} probabilities are not {classes} class planes of equal length.", nameof(probabilities));
        int voxels = probabilities.Length / classes;
        var map = new int[voxels];
        var confidence = new float[voxels];
        for (int c = 0; c < classes; c++)
            TakeWhereLikelier(probabilities.AsSpan(c * voxels, voxels), c, map, confidence);
        return (map, confidence);
    }

    // Class c's plane, given in class order from 0, takes the voxels where it is strictly likelier than the class held so
    // far (class 0 takes them all), so the lower class wins a tie.
    static void TakeWhereLikelier(ReadOnlySpan<float> plane, int c, Span<int> map, Span<float> confidence)
    {
        for (int i = 0; i < plane.Length; i++)
            if (c == 0 || plane[i] > confidence[i])
                (confidence[i], map[i]) = (plane[i], c);
    }

    static void CheckClasses(int classes)
    {
        if (classes < 2)
            throw new ArgumentOutOfRangeException(nameof(classes), $"A class map has 2 classes or more, the background included; got {classes}.");
    }
}
