using Microsoft.ML;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Training patients whose slices span a much wider field of view than most are cut to the others' width around the body.</summary>
public sealed class TrainingFieldOfViewTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-field-of-view-tests-").FullName;

    // An sform that stores x along A and y along L (1 mm voxels), away from the origin: a row or column mixed up moves voxels.
    static NiftiHeader Permuted(Volume v) => new()
    {
        Rank = 3, Dimensions = [v.SizeX, v.SizeY, v.SizeZ], Spacing = [1, 1, 1], SFormCode = 1,
        SForm = [0, -1, 0, 40, 1, 0, 0, -20, 0, 0, 1, 5],
    };

    // A qform only: turned half a turn about z, z mirrored (qfac -1).
    static NiftiHeader QFormOnly(Volume v) => new()
    {
        Rank = 3, Dimensions = [v.SizeX, v.SizeY, v.SizeZ], Spacing = [1, 1, 1], QFormCode = 1, QFactor = -1, Quaternion = [0, 0, 1, 7, 8, 9],
    };

    // The patient with `marginX` and `marginY` voxels of its darkest value (label 0) added on each side, with a header.
    static PatientVolume Padded(PatientVolume patient, int marginX, int marginY, Func<Volume, NiftiHeader>? header = null)
    {
        Volume Pad(Volume v, float fill)
        {
            int sizeX = v.SizeX + 2 * marginX, sizeY = v.SizeY + 2 * marginY;
            var data = new float[sizeX * sizeY * v.SizeZ];
            Array.Fill(data, fill);
            for (int z = 0; z < v.SizeZ; z++)
                for (int y = 0; y < v.SizeY; y++)
                    Array.Copy(v.Data, (z * v.SizeY + y) * v.SizeX, data, (z * sizeY + y + marginY) * sizeX + marginX, v.SizeX);
            var padded = new Volume(data, sizeX, sizeY, v.SizeZ);
            return header is null ? padded : new Volume(data, sizeX, sizeY, v.SizeZ, header: header(padded));
        }
        return patient with { Image = Pad(patient.Image, patient.Image.Data.Min()), Label = Pad(patient.Label, 0) };
    }

    static double[] World(Volume volume, int x, int y, int z)
    {
        var a = NiftiOrientation.Affine(volume.Header!)!;
        return [.. Enumerable.Range(0, 3).Select(w => a[w * 4] * x + a[w * 4 + 1] * y + a[w * 4 + 2] * z + a[w * 4 + 3])];
    }

    // Where `cut` lies in `whole`: the one offset at which every voxel of image and label is the same.
    static (int X, int Y) Offset(PatientVolume whole, PatientVolume cut)
    {
        bool at(int sx, int sy)
        {
            for (int z = 0; z < cut.Image.SizeZ; z++)
                for (int y = 0; y < cut.Image.SizeY; y++)
                    for (int x = 0; x < cut.Image.SizeX; x++)
                        if (whole.Image[x + sx, y + sy, z] != cut.Image[x, y, z] || whole.Label[x + sx, y + sy, z] != cut.Label[x, y, z])
                            return false;
            return true;
        }
        return Assert.Single(from sx in Enumerable.Range(0, whole.Image.SizeX - cut.Image.SizeX + 1)
                             from sy in Enumerable.Range(0, whole.Image.SizeY - cut.Image.SizeY + 1)
                             where at(sx, sy) select (sx, sy));
    }

    [Fact]
    public void APatientWithMuchWiderSlicesIsCutAroundTheBodyToTheMedianWidth()
    {
        var (a, b) = (SyntheticPatients.Ball("a", 9), SyntheticPatients.Ball("b", 8));
        var near = Padded(SyntheticPatients.Ball("n", 9), 1, 1);                          // 34 mm: within 15 % of 32, kept
        var wide = Padded(SyntheticPatients.Ball("c", 9), 12, 20, Permuted);             // 56 x 72 mm
        var wideValidation = Padded(SyntheticPatients.Ball("v", 9), 14, 14, QFormOnly);  // 60 x 60 mm
        var log = new StringWriter();

        var (training, validation) = TrainingFieldOfView.Common([a, b, near, wide], [wideValidation, a], log);

        Assert.Contains("Training patients with slices much wider than the training patients' median (33 mm), cut to that width around the body, " +
                        "every labelled voxel kept: c (56 x 72 mm to 33 x 33 mm).", log.ToString());
        Assert.Contains("Validation patients with slices much wider than the widest training slice (34 mm), cut to it around the body for the 2D " +
                        "validation, as the model windows them in 3D: v (60 x 60 mm to 34 x 34 mm).", log.ToString());
        Assert.Equal([a, b, near], training.Take(3));
        Assert.Same(a, validation[1]);

        // The whole ball is kept, image and label cut alike, around the body in x and y, every voxel where it was in the world.
        var cut = training[3];
        Assert.Equal((33, 33, 6), (cut.Label.SizeX, cut.Label.SizeY, cut.Label.SizeZ));
        Assert.Equal(wide.Label.Data.Sum(), cut.Label.Data.Sum());
        var (x0, y0) = Offset(wide, cut);
        Assert.InRange(x0, 10, 13);     // the ball's centre, 28 in x and 36 in y, less half the window
        Assert.InRange(y0, 18, 21);
        Assert.Equal(World(wide.Image, x0 + 3, y0 + 7, 2), World(cut.Image, 3, 7, 2));
        Assert.Equal(World(wide.Label, x0 + 30, y0, 5), World(cut.Label, 30, 0, 5));
        Assert.Equal("ALS", NiftiOrientation.AxisCodes(cut.Image.Header!));

        // A qform-only header becomes an sform that places the cut voxels where they were.
        var (vx, vy) = Offset(wideValidation, validation[0]);
        Assert.Equal((short)1, validation[0].Image.Header!.SFormCode);
        Assert.Equal(World(wideValidation.Image, vx + 5, vy + 9, 4), World(validation[0].Image, 5, 9, 4));

        // Patients all within 15 % of one another: nothing is cut, and nothing is logged.
        var quiet = new StringWriter();
        var (same, alike) = TrainingFieldOfView.Common([a, b, near], [b], quiet);
        Assert.Equal([a, b, near], same);
        Assert.Same(b, Assert.Single(alike));
        Assert.Empty(quiet.ToString());
    }

    [Fact]
    public void TheWindowMovesToKeepEveryLabelledVoxelAndAPatientWhoseOrgansSpanMoreStaysWhole()
    {
        var (a, b) = (SyntheticPatients.Ball("a", 9), SyntheticPatients.Ball("b", 8));
        // The ball at the left of a 64 mm wide slice with a large bright unlabelled block on its right, which pulls the
        // body's centre away from the ball.
        var offCentre = Padded(SyntheticPatients.Ball("c", 9), 16, 0);
        var image = (float[])offCentre.Image.Data.Clone();
        for (int z = 0; z < 6; z++)
            for (int y = 0; y < 32; y++)
                for (int x = 36; x < 64; x++)
                    image[(z * 32 + y) * 64 + x] = 200;
        var shifted = offCentre with { PatientId = "c", Image = offCentre.Image.WithData(image) };
        // Labels at both sides of a 64 mm slice: no 32 mm window holds them.
        var label = new float[64 * 32 * 6];
        label[3] = label[60] = 1;
        var spread = shifted with { PatientId = "s", Label = shifted.Label.WithData(label) };
        var log = new StringWriter();

        var (training, _) = TrainingFieldOfView.Common([a, b, SyntheticPatients.Ball("d", 7), shifted, spread], [], log);

        // Centred on the body, the window would start right of the ball's leftmost voxels; it is moved to start at them.
        int leftmost = Enumerable.Range(0, 64).First(x => Enumerable.Range(0, 32).Any(y => Enumerable.Range(0, 6).Any(z => shifted.Label[x, y, z] != 0)));
        Assert.True(Inference.FieldOfViewWindow.For(shifted.Image, new Plausibility.InputGeometry(null, 32, 32))!.AlongX.Start > leftmost);
        Assert.Equal(shifted.Label.Data.Sum(), training[3].Label.Data.Sum());
        Assert.Equal((leftmost, 0), Offset(shifted, training[3]));
        Assert.Same(spread, training[4]);
        Assert.Contains("warning: training patients s have slices much wider than the training patients' median (32 mm), but their labelled organs " +
                        "span more than that: learned whole, smaller than the others.", log.ToString());
    }

    [Fact]
    public void AModelTrainedWithAWidePatientRecordsTheOthersWidthAndScoresAWideVolumeInAWindow()
    {
        var patients = new[]
        {
            SyntheticPatients.Ball("a", 8), SyntheticPatients.Ball("b", 10), SyntheticPatients.Ball("c", 9),
            Padded(SyntheticPatients.Ball("d", 9), 16, 16), Padded(SyntheticPatients.Ball("e", 9), 16, 16),
        };
        var recipe = TrainingRecipes.Quick();
        recipe.ImageSize = 32;
        recipe.Network = new Networks.UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true };
        recipe.Trainer.Epochs = 25;
        recipe.Trainer.BatchSize = 6;
        recipe.Trainer.Augmentation = Transforms.AugmentationOptions.None;
        var log = new StringWriter();

        var result = VolumeTraining.Run(new MLContext(1), recipe, patients, new PatientFold(["a", "b", "c", "d"], ["e"]),
            new VolumeTrainingOptions { OutputFolder = folder, Log = log });

        Assert.Contains("every labelled voxel kept: d (64 x 64 mm to 32 x 32 mm).", log.ToString());
        Assert.Contains("as the model windows them in 3D: e (64 x 64 mm to 32 x 32 mm).", log.ToString());
        Assert.Equal(32, result.Plausibility!.Geometry!.FieldOfViewMaxMm);
        var evaluated = Assert.Single(result.Evaluation!.Patients);
        Assert.True(evaluated.Metrics.Dice > 0.8, $"the wide validation ball, scored in a window: 3D Dice {evaluated.Metrics.Dice:F3}");
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
