using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>The orientation and slice width a model was trained on: a volume stored another way is turned back, one whose slices are much wider or narrower is flagged.</summary>
public sealed class InputGeometryTests
{
    // CHAOS's sform: the first axis towards the left, the second to the front, slices upwards.
    static readonly double[] Chaos = [-1.25, 0, 0, 190, 0, 1.25, 0, -200, 0, 0, 7.7, -80];

    static Volume WithSForm(double[] sform, int size = 256, double spacing = 1.25) =>
        new(new float[size * size], size, size, 1, spacing, spacing, 7.7,
            new NiftiHeader { Rank = 3, Dimensions = [size, size, 1], Spacing = [spacing, spacing, 7.7], SFormCode = 1, SForm = sform });

    [Fact]
    public void TheAxisCodesComeFromTheSFormElseFromTheQForm()
    {
        Assert.Equal("LAS", NiftiOrientation.AxisCodes(WithSForm(Chaos).Header!));
        // Stored with the rows the other way (as ITK writes a DICOM series): the second axis runs to the back.
        Assert.Equal("LPS", NiftiOrientation.AxisCodes(WithSForm([-1.25, 0, 0, 0, 0, -1.25, 0, 0, 0, 0, 7.7, 0]).Header!));
        // A coronal acquisition: the stored slices stack front to back.
        Assert.Equal("RSA", NiftiOrientation.AxisCodes(WithSForm([1.25, 0, 0, 0, 0, 0, 7.7, 0, 0, 1.25, 0, 0]).Header!));
        // CHAOS's own qform (quaternion 0, 1, 0 with qfac -1) says what its sform says.
        var qformOnly = new NiftiHeader
        {
            Rank = 3, Dimensions = [256, 256, 1], Spacing = [1.25, 1.25, 7.7], QFactor = -1, QFormCode = 1, SFormCode = 0,
            Quaternion = [0, 1, 0, 190, -200, -80],
        };
        Assert.Equal("LAS", NiftiOrientation.AxisCodes(qformOnly));
        Assert.Null(NiftiOrientation.AxisCodes(qformOnly with { QFormCode = 0 }));
        // A quarter turn about x (a = b = 1/sqrt 2): the second axis runs up, the third to the back.
        double half = Math.Sqrt(0.5);
        var turned = qformOnly with { QFactor = 1, Quaternion = [half, 0, 0, 0, 0, 0] };
        Assert.Equal("RSP", NiftiOrientation.AxisCodes(turned));
        Assert.Equal("RSA", NiftiOrientation.AxisCodes(turned with { QFactor = -1 }));
        // With both set, the sform wins.
        Assert.Equal("LAS", NiftiOrientation.AxisCodes(turned with { SFormCode = 1, SForm = Chaos }));
    }

    [Fact]
    public void AVolumeStoredTurnedIsTurnedBackAndAWiderOneIsFlagged()
    {
        var trained = InputGeometry.Combine([InputGeometry.Of(WithSForm(Chaos)), InputGeometry.Of(WithSForm(Chaos, size: 240))]);
        Assert.Equal(new InputGeometry("LAS", 300, 320), trained);
        Assert.Empty(trained.Check(WithSForm(Chaos)));
        Assert.Empty(trained.Check(WithSForm(Chaos, size: 320))); // 400 mm: a quarter wider is still taken
        Assert.Null(trained.ReorientationFor(WithSForm(Chaos)));
        Assert.Null(trained.ReorientationFor(new Volume(new float[4], 2, 2, 1, 150, 150, 1))); // no header: orientation unknown

        var lps = WithSForm([-1.25, 0, 0, 0, 0, -1.25, 0, 0, 0, 0, 7.7, 0]);
        var turn = trained.ReorientationFor(lps)!;
        Assert.Equal(("LPS", "LAS"), (turn.From, turn.To));
        Assert.Empty(trained.Check(turn.Apply(lps)));
        var wide = Assert.Single(trained.Check(WithSForm(Chaos, spacing: 1.7)));
        Assert.Contains("a slice spans 435 x 435 mm, against 300-320 mm in training", wide);
        Assert.Single(trained.Check(WithSForm(Chaos, spacing: 0.9)));   // 230 mm: too narrow

        // Training volumes of two orientations record none, and none is checked.
        var mixed = InputGeometry.Combine([InputGeometry.Of(WithSForm(Chaos)), InputGeometry.Of(WithSForm([-1.25, 0, 0, 0, 0, -1.25, 0, 0, 0, 0, 7.7, 0]))]);
        Assert.Null(mixed.AxisCodes);
        Assert.Null(mixed.ReorientationFor(WithSForm([1.25, 0, 0, 0, 0, 0, 7.7, 0, 0, 1.25, 0, 0])));
        Assert.Throws<ArgumentException>(() => InputGeometry.Combine([]));
    }

    [SkippableFact]
    public void EverySharedPatientIsStoredAsCHAOSIsAndRecordsOneGeometry()
    {
        var patients = PatientVolume.ReadFolder(SharedData.Require());
        var geometry = InputGeometry.Combine(patients.Select(p => InputGeometry.Of(p.Image)));
        Assert.Equal(new InputGeometry("LAS", 320, 320), geometry with { FieldOfViewMinMm = Math.Round(geometry.FieldOfViewMinMm), FieldOfViewMaxMm = Math.Round(geometry.FieldOfViewMaxMm) });
        Assert.All(patients, p => Assert.Empty(geometry.Check(p.Image)));
    }
}
