using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.PostProcessing;

/// <summary>Turns a volume's slice probabilities, at the network's size, into a mask on the volume's own grid.</summary>
public static class ProbabilityMask
{
    /// <summary>
    /// Optionally smooths the slices across z (<see cref="SliceSmoothing"/>), resizes each back to the grid's slice size
    /// (bilinear) and thresholds it. Slices that are not given stay background.
    /// </summary>
    /// <param name="slices">Slice index and square probabilities (side x side, any side).</param>
    /// <param name="grid">The volume whose geometry the mask takes.</param>
    /// <param name="threshold">Foreground above this probability.</param>
    /// <param name="smoothingRadius">Neighbour slices on each side averaged with each slice; 0 for none.</param>
    /// <returns>One value per voxel of <paramref name="grid"/>, x fastest, then y, then z.</returns>
    public static bool[] OnGrid(IReadOnlyList<(int Slice, float[] Probability)> slices, Volume grid, float threshold = 0.5f, int smoothingRadius = 0) =>
        Array.ConvertAll(ProbabilitiesOnGrid(slices, grid, smoothingRadius), p => p > threshold);

    /// <summary>
    /// The probabilities themselves on the volume's grid: optionally smoothed across z, each slice resized back to the
    /// grid's slice size (bilinear); 0 in slices that are not given.
    /// </summary>
    public static float[] ProbabilitiesOnGrid(IReadOnlyList<(int Slice, float[] Probability)> slices, Volume grid, int smoothingRadius = 0)
    {
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
            var resized = SliceResampler.Bilinear(probability, side, side, grid.SizeY, grid.SizeX);
            resized.CopyTo(onGrid, z * grid.SliceLength);
        }
        return onGrid;
    }
}
