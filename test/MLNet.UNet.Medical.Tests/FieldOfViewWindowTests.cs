using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Slices much wider than the training's are shown to the network in a window of the training's width around the body.</summary>
public sealed class FieldOfViewWindowTests
{
    static readonly InputGeometry Trained = new("LAS", 300, 320);

    // A dim background (1) around a bright body of varied values over columns [x0, x1) and rows [y0, y1), on every slice.
    static Volume Body(int sizeX, int sizeY, int sizeZ, double spacing, int x0, int x1, int y0, int y1)
    {
        var data = new float[sizeX * sizeY * sizeZ];
        for (int z = 0; z < sizeZ; z++)
            for (int y = 0; y < sizeY; y++)
                for (int x = 0; x < sizeX; x++)
                    data[(z * sizeY + y) * sizeX + x] = x >= x0 && x < x1 && y >= y0 && y < y1 ? 100 + (x + 3 * y + 5 * z) % 11 : 1;
        return new Volume(data, sizeX, sizeY, sizeZ, spacing, spacing, 7.7);
    }

    [Theory]
    [InlineData(256, 1.25)]    // 320 mm: as in training
    [InlineData(256, 1.43)]    // 366 mm: within 15 % of the widest
    [InlineData(256, 1.02)]    // 261 mm: narrower (InputGeometry flags much narrower slices)
    [InlineData(200, 0.5)]     // 100 mm
    public void SlicesNoWiderThanTheTrainingsAreScoredWhole(int size, double spacing) =>
        Assert.Null(FieldOfViewWindow.For(Body(size, size, 1, spacing, 10, 200, 10, 200), Trained));

    [Fact]
    public void AWideSliceIsScoredInAWindowOfTheWidestTrainingSliceAroundTheBody()
    {
        // 256 x 200 pixels of 1.7 mm: 435 x 340 mm. Along x, a window of 320 mm (188 pixels) centred on the body (columns
        // 100-199, centre 149.5); along y, 340 mm is within 15 % of 320 and kept whole.
        var image = Body(256, 200, 2, 1.7, 100, 200, 0, 100);
        var window = FieldOfViewWindow.For(image, Trained)!;
        Assert.Equal((56, 188), window.AlongX);
        Assert.Equal((0, 200), window.AlongY);
        Assert.Equal("a slice spans 435 x 340 mm: scored in a window of 320 x 340 mm around the body", window.ToString());

        // Scored as it is, in two planes: the window's voxels come back where they were, and every voxel outside it is 0.
        Volume? seen = null;
        var back = window.Score(w => { seen = w; return [.. w.Data, .. w.Data.Select(v => -2 * v)]; });
        Assert.Equal((188, 200, 2, 1.7, 1.7, 7.7), (seen!.SizeX, seen.SizeY, seen.SizeZ, seen.SpacingX, seen.SpacingY, seen.SpacingZ));
        Assert.Equal(image[56, 0, 1], seen[0, 0, 1]);
        Assert.Equal(image[243, 199, 1], seen[187, 199, 1]);
        Assert.Equal(2 * image.Data.Length, back.Length);
        for (int z = 0; z < 2; z++)
            for (int y = 0; y < 200; y++)
                for (int x = 0; x < 256; x++)
                {
                    bool inside = x >= 56 && x < 244;
                    int i = (z * 200 + y) * 256 + x;
                    Assert.Equal(inside ? image.Data[i] : 0, back[i]);
                    Assert.Equal(inside ? -2 * image.Data[i] : 0, back[image.Data.Length + i]);
                }
    }

    [Fact]
    public void AWindowAroundABodyAtTheEdgeStaysInsideTheSlice()
    {
        // 512 x 512 pixels of 1.25 mm (640 mm), the body in the top-left corner: the 256-pixel window starts at 0 on both axes.
        var window = FieldOfViewWindow.For(Body(512, 512, 1, 1.25, 0, 60, 0, 60), Trained)!;
        Assert.Equal(((0, 256), (0, 256)), (window.AlongY, window.AlongX));
        var corner = FieldOfViewWindow.For(Body(512, 512, 1, 1.25, 450, 512, 450, 512), Trained)!;
        Assert.Equal(((256, 256), (256, 256)), (corner.AlongY, corner.AlongX));
    }

    [Fact]
    public void AMaskThatReachesAnEdgeOfTheWindowInsideTheVolumeIsWarnedOf()
    {
        // 512 x 512 pixels of 1.25 mm, the body in the top-left corner: the window spans rows and columns 0-255, so its
        // right and bottom sides (column and row 255) lie inside the volume, its left and top sides are the volume's own.
        var image = Body(512, 512, 2, 1.25, 0, 60, 0, 60);
        var window = FieldOfViewWindow.For(image, Trained)!;
        bool[] MaskAt(int x, int y)
        {
            var mask = new bool[image.Data.Length];
            mask[(1 * 512 + y) * 512 + x] = true;
            return mask;
        }
        Assert.Empty(window.CutOffWarnings(MaskAt(100, 100)));
        Assert.Empty(window.CutOffWarnings(MaskAt(0, 0)));        // the volume's own corner
        Assert.Empty(window.CutOffWarnings(MaskAt(300, 300)));    // outside the window (never set by a segmenter)
        Assert.Equal("the mask reaches the edge of the 320 x 320 mm window it was scored in: the organ may go on outside it, where nothing was scored",
            Assert.Single(window.CutOffWarnings(MaskAt(255, 10))));
        Assert.Single(window.CutOffWarnings(MaskAt(10, 255)));
        Assert.Throws<ArgumentException>(() => window.CutOffWarnings(new bool[10]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-320)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ARecordWithoutAUsableWidthWindowsNothing(double widest) =>
        Assert.Null(FieldOfViewWindow.For(Body(512, 512, 1, 1.25, 0, 60, 0, 60), new InputGeometry("LAS", 300, widest)));

    [Fact]
    public void AScoreOfTheWrongSizeIsRefused()
    {
        var window = FieldOfViewWindow.For(Body(256, 256, 1, 1.7, 0, 100, 0, 100), Trained)!;
        Assert.Throws<InvalidOperationException>(() => window.Score(w => new float[w.Data.Length + 1]));
    }

    [Fact]
    public void AVolumeIsCutOnTheImagesGridOnly()
    {
        // Wide along both sides: 435 x 510 mm, the body off-centre in both.
        var body = Body(256, 300, 2, 1.7, 100, 200, 50, 150);
        var header = new Nifti.NiftiHeader
        {
            Rank = 3, Dimensions = [256, 300, 2], Spacing = [1.7, 1.7, 7.7], SFormCode = 1, SForm = [0, -1.7, 0, 40, 1.7, 0, 0, -20, 0, 0, 7.7, 5],
        };
        var image = new Volume(body.Data, 256, 300, 2, 1.7, 1.7, 7.7, header);
        var window = FieldOfViewWindow.For(image, Trained)!;
        var (x, y) = (window.AlongX, window.AlongY);
        Assert.NotEqual(x.Start, y.Start);
        var cut = window.Cut(image);
        Assert.Equal((188, 188, 2, 1.7), (cut.SizeX, cut.SizeY, cut.SizeZ, cut.SpacingX));
        for (int z = 0; z < 2; z++)
            for (int row = 0; row < 188; row++)
                for (int column = 0; column < 188; column++)
                    Assert.Equal(image[column + x.Start, row + y.Start, z], cut[column, row, z]);
        double[] world(Volume v, int i, int j, int k)
        {
            var a = Nifti.NiftiOrientation.Affine(v.Header!)!;
            return [.. Enumerable.Range(0, 3).Select(w => a[w * 4] * i + a[w * 4 + 1] * j + a[w * 4 + 2] * k + a[w * 4 + 3])];
        }
        Assert.All(world(image, x.Start + 11, y.Start + 37, 1).Zip(world(cut, 11, 37, 1)), w => Assert.Equal(w.First, w.Second, 9));
        Assert.Null(window.Cut(body).Header); // a volume without a header gets none

        var error = Assert.Throws<ArgumentException>(() => window.Cut(Body(300, 256, 2, 1.7, 0, 10, 0, 10)));
        Assert.Contains("300 x 256 x 2 volume is not on the window's grid of 256 x 300 x 2", error.Message);
    }
}
