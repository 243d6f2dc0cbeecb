using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.PostProcessing;

namespace MLNet.UNet.Medical.Tests;

public class PostProcessingTests
{
    [Fact]
    public void LargestComponentKeepsTheBiggestBlobAndItsDiagonalNeighbours()
    {
        var voxels = new bool[6 * 6 * 3];
        int At(int x, int y, int z) => (z * 6 + y) * 6 + x;
        foreach (var (x, y, z) in new[] { (0, 0, 0), (1, 0, 0), (0, 1, 0), (2, 1, 1), (3, 2, 2) })
            voxels[At(x, y, z)] = true;            // 3 face-connected + 2 linked only by edges/corners: one 26-component of 5
        foreach (var (x, y, z) in new[] { (5, 5, 0), (5, 4, 0), (4, 5, 0), (5, 5, 1) })
            voxels[At(x, y, z)] = true;            // a separate component of 4
        var kept = MaskPostProcessing.KeepLargestComponent(new BinaryVolume(voxels, 6, 6, 3));
        Assert.Equal(5, kept.Count);
        Assert.True(kept.Voxels[At(3, 2, 2)]);
        Assert.False(kept.Voxels[At(5, 5, 0)]);
    }

    [Fact]
    public void FillHolesFillsEnclosedBackgroundPerSliceButNotOpenBays()
    {
        var voxels = new bool[7 * 7];
        for (int y = 1; y <= 5; y++)
            for (int x = 1; x <= 5; x++)
                voxels[y * 7 + x] = !(x == 3 && y == 3) && !(x == 5 && y == 3);
        var filled = MaskPostProcessing.FillHoles(new BinaryVolume(voxels, 7, 7, 1));
        Assert.True(filled.Voxels[3 * 7 + 3]);     // enclosed hole
        Assert.False(filled.Voxels[3 * 7 + 5]);    // a bay open to the outside
        Assert.Equal(24, filled.Count);
    }
}
