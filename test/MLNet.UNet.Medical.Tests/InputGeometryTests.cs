using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>The orientation and slice width a model was trained on: a volume stored another way is turned back, a much wider one is windowed, one stacked along another direction or much narrower is flagged.</summary>
public sealed class InputGeometryTests
{
    // CHAOS's sform: the first axis towards the left, the second to the front, slices upwards.
    static readonly double[] Chaos = [-1.25, 0, 0, 190, 0, 1.25, 0, -200, 0, 0, 7.7, -80];

    static Volume WithSForm(double[] sform, int size = 256, double spacing = 1.25) =>
        new(new float[size * size], size, size, 1, spacing, spacing, 7.7,
            new NiftiHeader { Rank = 3, Dimensions = [size, size, 1], Spacing = [spacing, spacing, 7.7], SFormCode = 1, SForm = sform });

    // A slice stored ALS, sizeA pixels along the first axis (to the front) and sizeL along the second (to the left), 1.25 mm each.
    static Volume Swapped(int sizeA, int sizeL) =>
        new(new float[sizeA * sizeL], sizeA, sizeL, 1, 1.25, 1.25, 7.7, new NiftiHeader
        {
            Rank = 3, Dimensions = [sizeA, sizeL, 1], Spacing = [1.25, 1.25, 7.7], SFormCode = 1, SForm = [0, -1.25, 0, 0, 1.25, 0, 0, 0, 0, 0, 7.7, 0],
        });

    [Fact]
    public void TheQFormAffineIsTheRotationTimesThePixelSpacingPlusTheOffset()
    {
        // A quarter turn about x (a = b = 1/sqrt 2): the second stored axis runs up, the third to the back; qfac -1 turns the third over.
        double half = Math.Sqrt(0.5);
        var header = new NiftiHeader
        {
            Rank = 3, Dimensions = [4, 4, 4], Spacing = [1.25, 1.5, 7.7], QFormCode = 1, QFactor = 1, Quaternion = [half, 0, 0, 10, 20, 30],
        };
        AssertClose([1.25, 0, 0, 10, 0, 0, -7.7, 20, 0, 1.5, 0, 30], NiftiOrientation.Affine(header)!);
        AssertClose([1.25, 0, 0, 10, 0, 0, 7.7, 20, 0, 1.5, 0, 30], NiftiOrientation.Affine(header with { QFactor = -1 })!);
        // A pixdim that is not positive scales by 1, as the NIfTI reference library reads it.
        AssertClose([1, 0, 0, 10, 0, 0, -7.7, 20, 0, 1.5, 0, 30], NiftiOrientation.Affine(header with { Spacing = [-1.25, 1.5, 7.7] })!);
        Assert.Equal("RSP", NiftiOrientation.AxisCodes(header with { Spacing = [-1.25, 1.5, 7.7] }));
        Assert.Null(NiftiOrientation.Affine(header with { QFormCode = 0 }));

        static void AssertClose(double[] expected, double[] actual) => Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second, 9));
    }

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
    public void AVolumeStoredTurnedIsTurnedBackAndOneStackedOtherwiseOrMuchNarrowerIsFlagged()
    {
        var trained = InputGeometry.Combine([InputGeometry.Of(WithSForm(Chaos)), InputGeometry.Of(WithSForm(Chaos, size: 240))]);
        Assert.Equal(new InputGeometry("LAS", 300, 320), trained);
        Assert.Empty(trained.Check(WithSForm(Chaos)));
        Assert.Empty(trained.Check(WithSForm(Chaos, size: 320))); // 400 mm: windowed, not flagged
        Assert.Null(trained.ReorientationFor(WithSForm(Chaos)));
        Assert.Null(trained.ReorientationFor(new Volume(new float[4], 2, 2, 1, 150, 150, 1))); // no header: orientation unknown

        var lps = WithSForm([-1.25, 0, 0, 0, 0, -1.25, 0, 0, 0, 0, 7.7, 0]);
        var turn = trained.ReorientationFor(lps)!;
        Assert.Equal(("LPS", "LAS"), (turn.From, turn.To));
        Assert.False(turn.MovesSliceAxis);
        Assert.Empty(trained.Check(lps));
        // A coronal series (slices stacked front to back, 30.8 mm apart): turned to LAS, its slices span 320 x 308 mm,
        // a width the training saw, but they are cut across the stored ones, with 30.8 mm rows.
        var coronal = new Volume(new float[64 * 64 * 10], 64, 64, 10, 5, 5, 30.8,
            new NiftiHeader { Rank = 3, Dimensions = [64, 64, 10], Spacing = [5, 5, 30.8], SFormCode = 1, SForm = [-5, 0, 0, 0, 0, 0, 30.8, 0, 0, 5, 0, 0] });
        Assert.True(trained.ReorientationFor(coronal)!.MovesSliceAxis);
        var across = Assert.Single(trained.Check(coronal));
        Assert.Contains("stored in orientation LSA, its slices stacked along another direction than the training volumes' (LAS)", across);
        Assert.Contains("5 x 30.8 mm pixels", across);
        // A much wider field of view is not flagged: the segmenters score it in a window of the training's width, taken
        // on the turned grid. Stored with x and y swapped (ALS), x along L comes first once turned.
        var swapped = Swapped(300, 340);
        Assert.Empty(trained.Check(swapped));
        Assert.Equal("a slice spans 425 x 375 mm: scored in a window of 320 x 320 mm around the body",
            Inference.FieldOfViewWindow.For(trained.ReorientationFor(swapped)!.Apply(swapped), trained)!.ToString());
        Assert.Empty(trained.Check(WithSForm(Chaos, spacing: 1.7)));
        // A much narrower one is flagged, also taken on the turned grid: 300 x 180 mm stored ALS is 180 mm along x.
        Assert.Contains("a slice spans 180 x 300 mm, against 300-320 mm in training", Assert.Single(trained.Check(Swapped(240, 144))));
        Assert.Empty(trained.Check(Swapped(240, 256)));
        Assert.Empty(trained.Check(WithSForm(Chaos, spacing: 0.9)));    // 230 mm: narrower, within what the network holds
        Assert.Single(trained.Check(WithSForm(Chaos, spacing: 0.75)));  // 192 mm: too narrow

        // Training volumes of two orientations record none, and none is checked.
        var mixed = InputGeometry.Combine([InputGeometry.Of(WithSForm(Chaos)), InputGeometry.Of(WithSForm([-1.25, 0, 0, 0, 0, -1.25, 0, 0, 0, 0, 7.7, 0]))]);
        Assert.Null(mixed.AxisCodes);
        // A volume that says nothing of orientation leaves the others' recorded.
        Assert.Equal("LAS", InputGeometry.Combine([InputGeometry.Of(WithSForm(Chaos)), InputGeometry.Of(new Volume(new float[4], 2, 2, 1, 150, 150, 1))]).AxisCodes);
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
