namespace MLNet.UNet.Medical.PostProcessing;

/// <summary>
/// Averages each slice's probabilities with those of its neighbours in z before thresholding: a 2D network sees one
/// slice at a time, and an error that appears on a single slice is outvoted by the slices around it.
/// </summary>
public static class SliceSmoothing
{
    /// <summary>
    /// Each slice becomes the mean of the slices within <paramref name="radius"/> of its index that are present (so the
    /// window is shorter at the ends of the volume and around missing slices). Radius 0 returns the slices unchanged
    /// (after the same checks).
    /// </summary>
    /// <param name="slices">Slice index and probabilities, all of one length, in any order; indices must be distinct.</param>
    /// <param name="radius">Neighbours on each side, 0 or more.</param>
    /// <returns>The smoothed slices, in the order given.</returns>
    public static IReadOnlyList<(int Slice, float[] Probability)> AcrossSlices(IReadOnlyList<(int Slice, float[] Probability)> slices, int radius)
    {
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        if (slices.Count == 0)
            return slices;
        int length = slices[0].Probability.Length;
        var byIndex = new Dictionary<int, float[]>(slices.Count);
        foreach (var (slice, probability) in slices)
        {
            if (probability.Length != length)
                throw new ArgumentException($"Slice {slice} has {probability.Length} probabilities; slice {slices[0].Slice} has {length}.", nameof(slices));
            if (!byIndex.TryAdd(slice, probability))
                throw new ArgumentException($"Slice {slice} appears more than once.", nameof(slices));
        }
        if (radius == 0)
            return slices;
        // The window is clamped to the indices present, so that a huge radius costs no more than the volume's depth.
        int first = byIndex.Keys.Min(), last = byIndex.Keys.Max();
        var smoothed = new List<(int, float[])>(slices.Count);
        foreach (var (slice, _) in slices)
        {
            var sum = new float[length];
            int count = 0;
            int from = (int)Math.Max((long)slice - radius, first), to = (int)Math.Min((long)slice + radius, last);
            for (int z = from; z <= to; z++)
            {
                if (!byIndex.TryGetValue(z, out var neighbour))
                    continue;
                count++;
                for (int i = 0; i < length; i++)
                    sum[i] += neighbour[i];
            }
            for (int i = 0; i < length; i++)
                sum[i] /= count;
            smoothed.Add((slice, sum));
        }
        return smoothed;
    }
}
