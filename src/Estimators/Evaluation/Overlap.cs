namespace MLNet.UNet.Evaluation;

/// <summary>
/// Pixel (or voxel) counts of a predicted mask against the truth, and the overlap measures built on them. Both empty
/// gives Dice = IoU = 1; exactly one empty gives 0.
/// </summary>
/// <param name="Both">Foreground in both.</param>
/// <param name="Predicted">Foreground in the prediction.</param>
/// <param name="True">Foreground in the truth.</param>
public readonly record struct Overlap(long Both, long Predicted, long True)
{
    /// <summary>Counts the overlap of two masks of the same length.</summary>
    public static Overlap Of(ReadOnlySpan<bool> predicted, ReadOnlySpan<bool> truth)
    {
        if (predicted.Length != truth.Length)
            throw new ArgumentException($"The masks have {predicted.Length} and {truth.Length} values; they must be the same size.");
        long both = 0, p = 0, t = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            both += predicted[i] && truth[i] ? 1 : 0;
            p += predicted[i] ? 1 : 0;
            t += truth[i] ? 1 : 0;
        }
        return new Overlap(both, p, t);
    }

    /// <summary>2|P∩T| / (|P| + |T|).</summary>
    public double Dice => Predicted + True == 0 ? 1 : 2.0 * Both / (Predicted + True);

    /// <summary>|P∩T| / |P∪T|.</summary>
    public double IoU => Predicted + True - Both == 0 ? 1 : (double)Both / (Predicted + True - Both);
}
