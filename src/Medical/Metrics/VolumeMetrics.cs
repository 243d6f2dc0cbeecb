using MLNet.UNet.Evaluation;
namespace MLNet.UNet.Medical.Metrics;

/// <summary>
/// The CHAOS challenge's measures of one predicted 3D mask against the truth. Volumes in ml, distances in mm.
/// Edge cases: both masks empty gives Dice = IoU = 1, RAVD = 0 and distances 0; exactly one empty gives
/// Dice = IoU = 0 and null distances (a surface distance to nothing is undefined); RAVD is null when only the
/// truth is empty. Distances are null too when a mask has no surface under the rule (it fills the grid).
/// </summary>
/// <param name="Dice">2|P∩T| / (|P| + |T|).</param>
/// <param name="IoU">|P∩T| / |P∪T| (Jaccard).</param>
/// <param name="Ravd">Relative absolute volume difference, |V(P) - V(T)| / V(T), in percent.</param>
/// <param name="Assd">Average symmetric surface distance: the mean of all surface-to-surface distances both ways.</param>
/// <param name="Mssd">Maximum symmetric surface distance (Hausdorff distance).</param>
/// <param name="Hd95">95th percentile of the surface distances both ways together.</param>
/// <param name="PredictedVolumeMl">Volume of the prediction.</param>
/// <param name="TrueVolumeMl">Volume of the truth.</param>
public sealed record VolumeMetrics(
    double Dice, double IoU, double? Ravd, double? Assd, double? Mssd, double? Hd95, double PredictedVolumeMl, double TrueVolumeMl)
{
    /// <summary>Computes every measure of <paramref name="predicted"/> against <paramref name="truth"/> (same grid and spacing).</summary>
    /// <param name="predicted">The predicted mask.</param>
    /// <param name="truth">The reference mask.</param>
    /// <param name="surfaceRule">Which voxels are a mask's surface; CHAOS's own definition by default.</param>
    public static VolumeMetrics Compute(BinaryVolume predicted, BinaryVolume truth, SurfaceRule surfaceRule = SurfaceRule.Chaos)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(truth);
        if (!predicted.SameGrid(truth))
            throw new ArgumentException(
                $"Prediction is {predicted.SizeX} x {predicted.SizeY} x {predicted.SizeZ} but truth is {truth.SizeX} x {truth.SizeY} x {truth.SizeZ}.");
        var overlap = Overlap.Of(predicted.Voxels, truth.Voxels);
        long p = overlap.Predicted, t = overlap.True;
        double voxelMl = truth.SpacingX * truth.SpacingY * truth.SpacingZ / 1000;
        double dice = overlap.Dice, iou = overlap.IoU;
        double? ravd = t == 0 ? (p == 0 ? 0 : null) : 100.0 * Math.Abs(p - t) / t;
        if (p == 0 && t == 0)
            return new VolumeMetrics(dice, iou, ravd, 0, 0, 0, 0, 0);
        if (p == 0 || t == 0)
            return new VolumeMetrics(dice, iou, ravd, null, null, null, p * voxelMl, t * voxelMl);
        var distances = SurfaceDistances(predicted, truth, surfaceRule);
        if (distances.Length == 0)
            return new VolumeMetrics(dice, iou, ravd, null, null, null, p * voxelMl, t * voxelMl);
        Array.Sort(distances);
        return new VolumeMetrics(dice, iou, ravd, distances.Average(), distances[^1], Percentile(distances, 95), p * voxelMl, t * voxelMl);
    }

    /// <summary>Distances from every surface voxel of each mask to the nearest surface voxel of the other, both ways.</summary>
    internal static double[] SurfaceDistances(BinaryVolume first, BinaryVolume second, SurfaceRule rule)
    {
        var surfaceA = first.Surface(rule);
        var surfaceB = second.Surface(rule);
        if (!surfaceA.Contains(true) || !surfaceB.Contains(true))
            return [];
        var toB = DistanceTransform.ToNearest(surfaceB, second.SizeX, second.SizeY, second.SizeZ, second.SpacingX, second.SpacingY, second.SpacingZ);
        var toA = DistanceTransform.ToNearest(surfaceA, first.SizeX, first.SizeY, first.SizeZ, first.SpacingX, first.SpacingY, first.SpacingZ);
        var distances = new List<double>();
        for (int i = 0; i < surfaceA.Length; i++)
        {
            if (surfaceA[i]) distances.Add(toB[i]);
            if (surfaceB[i]) distances.Add(toA[i]);
        }
        return distances.ToArray();
    }

    // Linear interpolation between closest ranks (numpy.percentile's default, which MedPy's hd95 uses).
    static double Percentile(double[] sorted, double percent)
    {
        double rank = percent / 100 * (sorted.Length - 1);
        int below = (int)Math.Floor(rank), above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }
}
