using MLNet.UNet.Medical.Metrics;

namespace MLNet.UNet.Medical.Plausibility;

/// <summary>What a predicted organ mask amounts to: its volume, its largest slice and how sure the model was inside it.</summary>
/// <param name="VolumeMl">Volume of the mask, millilitres.</param>
/// <param name="LargestSliceMl">Volume of the mask in its fullest slice, millilitres (area x slice thickness; see <see cref="LargestSliceCm2"/>).</param>
/// <param name="MeanConfidence">Mean probability over the mask's voxels; NaN when the mask is empty.</param>
public sealed record OrganStatistics(double VolumeMl, double LargestSliceMl, double MeanConfidence)
{
    /// <summary>
    /// Area of the mask in its fullest slice, cm²: unlike <see cref="LargestSliceMl"/>, the same for the same anatomy
    /// whatever the slice thickness. NaN when not measured.
    /// </summary>
    public double LargestSliceCm2 { get; init; } = double.NaN;

    /// <summary>Measures a mask and the probabilities it was thresholded from (one per voxel, same grid).</summary>
    public static OrganStatistics Of(BinaryVolume mask, float[] probabilities)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (probabilities.Length != mask.Voxels.Length)
            throw new ArgumentException($"There are {probabilities.Length} probabilities for a mask of {mask.Voxels.Length} voxels.", nameof(probabilities));
        double voxelMl = mask.SpacingX * mask.SpacingY * mask.SpacingZ / 1000;
        int sliceLength = mask.SizeX * mask.SizeY;
        long total = 0, largest = 0;
        double confidence = 0;
        for (int z = 0; z < mask.SizeZ; z++)
        {
            long inSlice = 0;
            for (int i = z * sliceLength; i < (z + 1) * sliceLength; i++)
                if (mask.Voxels[i])
                {
                    inSlice++;
                    confidence += probabilities[i];
                }
            total += inSlice;
            largest = Math.Max(largest, inSlice);
        }
        return new OrganStatistics(total * voxelMl, largest * voxelMl, total > 0 ? confidence / total : double.NaN)
        {
            LargestSliceCm2 = largest * mask.SpacingX * mask.SpacingY / 100,
        };
    }
}
