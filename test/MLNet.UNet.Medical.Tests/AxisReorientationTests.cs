using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Turning a volume from the axis codes it is stored with to a model's, and its results back.</summary>
public sealed class AxisReorientationTests
{
    public static TheoryData<string> StoredAs()
    {
        // Every way of storing the three world directions: 6 orders of the axes times 8 directions.
        var data = new TheoryData<string>();
        foreach (var order in new[] { "012", "021", "102", "120", "201", "210" })
            for (int signs = 0; signs < 8; signs++)
            {
                var codes = new char[3];
                for (int axis = 0; axis < 3; axis++)
                    codes[axis] = (signs >> axis & 1) == 1 ? "RAS"[order[axis] - '0'] : "LPI"[order[axis] - '0'];
                data.Add(new string(codes));
            }
        return data;
    }

    [Theory]
    [MemberData(nameof(StoredAs))]
    public void EachTurnedAxisRunsWhereTheTargetCodesSayAndTheTurnUndoes(string storedAs)
    {
        // An sform that stores the axes as the codes say, each axis with its own spacing; each voxel holds its stored index.
        int[] size = [3, 4, 5];
        double[] spacing = [1.5, 2, 7];
        double[] sform = [0, 0, 0, 10, 0, 0, 0, -20, 0, 0, 0, 30];
        for (int axis = 0; axis < 3; axis++)
        {
            int world = "LRPAIS".IndexOf(storedAs[axis]) / 2;
            sform[world * 4 + axis] = ("RAS".Contains(storedAs[axis]) ? 1 : -1) * spacing[axis];
        }
        var header = new NiftiHeader { Rank = 3, Dimensions = size, Spacing = spacing, SFormCode = 1, SForm = sform };
        Assert.Equal(storedAs, NiftiOrientation.AxisCodes(header));
        var stored = new Volume(Enumerable.Range(0, 60).Select(i => (float)i).ToArray(), 3, 4, 5, 1.5, 2, 7, header);

        var turn = AxisReorientation.Between(storedAs, "LAS");
        if (storedAs == "LAS")
        {
            Assert.Null(turn);
            return;
        }
        var turned = turn!.Apply(stored);
        // The turned header places every turned voxel where the stored voxel it reads is.
        Assert.Equal("LAS", NiftiOrientation.AxisCodes(turned.Header!));
        Assert.Equal([turned.SizeX, turned.SizeY, turned.SizeZ], turned.Header!.Dimensions);
        var turnedSform = turned.Header.SForm;
        for (int k = 0; k < turned.SizeZ; k++)
            for (int j = 0; j < turned.SizeY; j++)
                for (int i = 0; i < turned.SizeX; i++)
                {
                    var at = World((int)turned[i, j, k]);
                    for (int w = 0; w < 3; w++)
                        Assert.Equal(at[w], turnedSform[w * 4] * i + turnedSform[w * 4 + 1] * j + turnedSform[w * 4 + 2] * k + turnedSform[w * 4 + 3], 9);
                }
        // One step along each turned axis moves through the world towards L, A and S by that axis's spacing.
        var origin = World((int)turned[0, 0, 0]);
        double[][] steps = [Minus(World((int)turned[1, 0, 0]), origin), Minus(World((int)turned[0, 1, 0]), origin), Minus(World((int)turned[0, 0, 1]), origin)];
        double[] turnedSpacing = [turned.SpacingX, turned.SpacingY, turned.SpacingZ];
        double[] towards = [-1, 1, 1];
        for (int axis = 0; axis < 3; axis++)
            for (int world = 0; world < 3; world++)
                Assert.Equal(world == axis ? towards[axis] * turnedSpacing[axis] : 0, steps[axis][world], 9);
        Assert.Equal(60, turned.SizeX * turned.SizeY * turned.SizeZ);
        Assert.Equal(stored.Data, turn.Undo(turned.Data, stored));
        Assert.Equal(stored.Data.Select(v => v > 30).ToArray(), turn.Undo(turned.Data.Select(v => v > 30).ToArray(), stored));

        double[] World(int index)
        {
            int x = index % 3, y = index / 3 % 4, z = index / 12;
            return [.. Enumerable.Range(0, 3).Select(w => sform[w * 4] * x + sform[w * 4 + 1] * y + sform[w * 4 + 2] * z + sform[w * 4 + 3])];
        }
    }

    [Fact]
    public void AVolumePlacedByItsQFormAloneIsTurnedWithAnSFormThatPlacesItTheSame()
    {
        // CHAOS's qform (LAS) on a 4 x 3 x 2 grid; turned to RAS, the first axis runs the other way.
        var header = new NiftiHeader
        {
            Rank = 3, Dimensions = [4, 3, 2], Spacing = [1.25, 1.25, 7.7], QFactor = -1, QFormCode = 1, Quaternion = [0, 1, 0, 190, -200, -80],
        };
        var stored = new Volume(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 4, 3, 2, 1.25, 1.25, 7.7, header);
        var storedAffine = NiftiOrientation.Affine(header)!;
        var turned = AxisReorientation.Between("LAS", "RAS")!.Apply(stored);
        Assert.Equal((1, 0), (turned.Header!.SFormCode, turned.Header.QFormCode));
        Assert.Equal("RAS", NiftiOrientation.AxisCodes(turned.Header));
        for (int i = 0; i < 4; i++)
        {
            int source = (int)turned[i, 1, 1], x = source % 4, y = source / 4 % 3, z = source / 12;
            Assert.Equal((3 - i, 1, 1), (x, y, z));
            for (int w = 0; w < 3; w++)
                Assert.Equal(storedAffine[w * 4] * x + storedAffine[w * 4 + 1] * y + storedAffine[w * 4 + 2] * z + storedAffine[w * 4 + 3],
                    turned.Header.SForm[w * 4] * i + turned.Header.SForm[w * 4 + 1] + turned.Header.SForm[w * 4 + 2] + turned.Header.SForm[w * 4 + 3], 9);
        }
    }

    static double[] Minus(double[] a, double[] b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

    [Theory]
    [InlineData("LAX")]
    [InlineData("LLS")]
    [InlineData("LA")]
    [InlineData("lAS")]
    public void AxisCodesThatDoNotNameEachDirectionOnceAreRefused(string codes)
    {
        var error = Assert.Throws<ArgumentException>(() => AxisReorientation.Between(codes, "LAS"));
        Assert.Contains($"'{codes}' must be three letters, one of L/R, one of P/A and one of I/S", error.Message);
        Assert.Throws<ArgumentException>(() => AxisReorientation.Between("LAS", codes));
    }

    [Fact]
    public void ValuesThatDoNotFillTheStoredGridAreRefused()
    {
        var turn = AxisReorientation.Between("RAS", "LAS")!;
        var stored = new Volume(new float[8], 2, 2, 2);
        Assert.Throws<ArgumentException>(() => turn.Undo(new float[7], stored));
    }
}
