using MLNet.UNet.Medical.Metrics;

namespace MLNet.UNet.Medical.Tests;

public class VolumeMetricsTests
{
    static BinaryVolume Line(int from, int to, double spacing = 2) =>
        new(Enumerable.Range(0, 10).Select(x => x >= from && x <= to).ToArray(), 10, 1, 1, spacing, 1, 1);

    [Fact]
    public void OverlappingLinesGiveTheHandComputedMeasures()
    {
        // Truth x = 2..5, prediction x = 4..7, 2 mm apart. Under MedPy's rule, with one voxel across, every voxel is
        // surface. Prediction to truth: 0, 0, 2, 4 mm; truth to prediction: 4, 2, 0, 0 mm.
        var metrics = VolumeMetrics.Compute(Line(4, 7), Line(2, 5), SurfaceRule.MedPy);
        Assert.Equal(0.5, metrics.Dice, 12);
        Assert.Equal(2.0 / 6, metrics.IoU, 12);
        Assert.Equal(0, metrics.Ravd!.Value, 12);
        Assert.Equal(12.0 / 8, metrics.Assd!.Value, 12);
        Assert.Equal(4, metrics.Mssd!.Value, 12);
        Assert.Equal(4, metrics.Hd95!.Value, 12);   // sorted 0,0,0,0,2,2,4,4: rank 6.65 lies between two 4s
        Assert.Equal(4 * 2 / 1000.0, metrics.TrueVolumeMl, 12);
    }

    [Fact]
    public void Hd95InterpolatesBetweenRanksAndRavdIsRelativeToTheTruth()
    {
        // Truth x = 0..4, prediction x = 0..1 (1 mm): distances pred->truth 0, 0 (x=0 is on both surfaces, x=1 lies on truth
        // too); truth->pred: 0, 0, 1, 2, 3. Sorted 0,0,0,0,1,2,3 -> rank 5.7 -> 2 + 0.7 * 1 = 2.7.
        var metrics = VolumeMetrics.Compute(Line(0, 1, 1), Line(0, 4, 1), SurfaceRule.MedPy);
        Assert.Equal(6.0 / 7, metrics.Assd!.Value, 12);
        Assert.Equal(3, metrics.Mssd!.Value, 12);
        Assert.Equal(2.7, metrics.Hd95!.Value, 12);
        Assert.Equal(60, metrics.Ravd!.Value, 12);
        Assert.Equal(4.0 / 7, metrics.Dice, 12);
    }

    [Fact]
    public void UnderChaosRuleOnlyTheEndsOfALineAreSurface()
    {
        // The grid's y and z neighbours count as foreground, so surfaces are prediction {4, 7} and truth {2, 5}.
        // Prediction to truth: 2, 4 mm; truth to prediction: 4, 2 mm.
        var metrics = VolumeMetrics.Compute(Line(4, 7), Line(2, 5));
        Assert.Equal(3, metrics.Assd!.Value, 12);
        Assert.Equal(4, metrics.Mssd!.Value, 12);
        Assert.Equal(0.5, metrics.Dice, 12);
    }

    [Fact]
    public void AMaskTouchingTheGridsEdgeHasNoSurfaceThereUnderChaosRule()
    {
        // 4 x 4 x 3 grid, 2 mm between slices. Truth fills slices 0 and 1, the prediction slice 0 only: both reach the
        // grid's faces on every side but z + 1.
        static BinaryVolume Slab(int slices) =>
            new(Enumerable.Range(0, 48).Select(i => i / 16 < slices).ToArray(), 4, 4, 3, 1, 1, 2);
        var truth = Slab(2);
        Assert.Equal(16, truth.Surface().Count(s => s));                   // only slice 1, facing the empty slice 2
        Assert.Equal(32, truth.Surface(SurfaceRule.MedPy).Count(s => s));  // every voxel touches a face
        // CHAOS: each prediction surface voxel (slice 0) is 2 mm from the truth's (slice 1), and back.
        var chaos = VolumeMetrics.Compute(Slab(1), truth);
        Assert.Equal((2.0, 2.0, 2.0), (chaos.Assd!.Value, chaos.Mssd!.Value, chaos.Hd95!.Value));
        // MedPy: slice 0 is on both surfaces (0 mm both ways), slice 1 of the truth is 2 mm away: 32 zeros, 16 twos.
        var medPy = VolumeMetrics.Compute(Slab(1), truth, SurfaceRule.MedPy);
        Assert.Equal(32.0 / 48, medPy.Assd!.Value, 12);
        Assert.Equal(2, medPy.Mssd!.Value, 12);
        Assert.Equal(2.0 / 3, chaos.Dice, 12);
    }

    [Fact]
    public void AMaskFillingTheGridHasNoChaosSurfaceSoItsDistancesAreUndefined()
    {
        var full = new BinaryVolume(Enumerable.Repeat(true, 27).ToArray(), 3, 3, 3);
        var metrics = VolumeMetrics.Compute(full, full);
        Assert.Equal(1, metrics.Dice, 12);
        Assert.Null(metrics.Assd);
        Assert.Equal(0, VolumeMetrics.Compute(full, full, SurfaceRule.MedPy).Assd!.Value, 12);
    }

    [Fact]
    public void EmptyMasksFollowTheDefinedEdgeCases()
    {
        var empty = Line(20, 20);
        var both = VolumeMetrics.Compute(empty, empty);
        Assert.Equal((1.0, 1.0, 0.0, 0.0, 0.0), (both.Dice, both.IoU, both.Ravd!.Value, both.Assd!.Value, both.Hd95!.Value));
        var missed = VolumeMetrics.Compute(empty, Line(2, 5));
        Assert.Equal((0.0, 0.0, 100.0), (missed.Dice, missed.IoU, missed.Ravd!.Value));
        Assert.Null(missed.Assd);
        Assert.Null(missed.Hd95);
        var spurious = VolumeMetrics.Compute(Line(2, 5), empty);
        Assert.Equal(0, spurious.Dice);
        Assert.Null(spurious.Ravd);
    }

    [Fact]
    public void DistanceTransformMatchesBruteForceOnAnAnisotropicGrid()
    {
        var random = new Random(3);
        const int sx = 9, sy = 7, sz = 5;
        var features = Enumerable.Range(0, sx * sy * sz).Select(_ => random.NextDouble() < 0.05).ToArray();
        features[17] = true;
        var distances = DistanceTransform.ToNearest(features, sx, sy, sz, 0.7, 1.3, 4.1);
        for (int i = 0; i < features.Length; i++)
        {
            double best = double.PositiveInfinity;
            for (int j = 0; j < features.Length; j++)
                if (features[j])
                {
                    double dx = (i % sx - j % sx) * 0.7, dy = (i / sx % sy - j / sx % sy) * 1.3, dz = (i / (sx * sy) - j / (sx * sy)) * 4.1;
                    best = Math.Min(best, Math.Sqrt(dx * dx + dy * dy + dz * dz));
                }
            Assert.Equal(best, distances[i], 9);
        }
    }

    [Fact]
    public void SurfaceOfASolidCubeIsItsShell()
    {
        var voxels = new bool[5 * 5 * 5];
        for (int z = 1; z < 4; z++)
            for (int y = 1; y < 4; y++)
                for (int x = 1; x < 4; x++)
                    voxels[(z * 5 + y) * 5 + x] = true;
        var surface = new BinaryVolume(voxels, 5, 5, 5).Surface();
        Assert.Equal(26, surface.Count(s => s));
        Assert.Equal(surface, new BinaryVolume(voxels, 5, 5, 5).Surface(SurfaceRule.MedPy)); // not touching the edge, the rules agree
        Assert.False(surface[(2 * 5 + 2) * 5 + 2]);
    }
}
