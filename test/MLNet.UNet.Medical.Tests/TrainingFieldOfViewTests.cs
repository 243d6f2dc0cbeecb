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

    // The patient with `margin` voxels of its darkest value (label 0) added on every side in x and y, and an sform
    // (LAS, 1 mm, moved by `origin`) that puts its first voxel at the origin.
    static PatientVolume Padded(PatientVolume patient, int margin, double[] origin)
    {
        Volume Pad(Volume v, float fill)
        {
            int sizeX = v.SizeX + 2 * margin, sizeY = v.SizeY + 2 * margin;
            var data = new float[sizeX * sizeY * v.SizeZ];
            Array.Fill(data, fill);
            for (int z = 0; z < v.SizeZ; z++)
                for (int y = 0; y < v.SizeY; y++)
                    Array.Copy(v.Data, (z * v.SizeY + y) * v.SizeX, data, (z * sizeY + y + margin) * sizeX + margin, v.SizeX);
            var header = new NiftiHeader
            {
                Rank = 3, Dimensions = [sizeX, sizeY, v.SizeZ], Spacing = [1, 1, 1], SFormCode = 1,
                SForm = [-1, 0, 0, origin[0], 0, 1, 0, origin[1], 0, 0, 1, origin[2]],
            };
            return new Volume(data, sizeX, sizeY, v.SizeZ, header: header);
        }
        return patient with { Image = Pad(patient.Image, patient.Image.Data.Min()), Label = Pad(patient.Label, 0) };
    }

    static double[] World(Volume volume, int x, int y, int z)
    {
        var a = NiftiOrientation.Affine(volume.Header!)!;
        return [.. Enumerable.Range(0, 3).Select(w => a[w * 4] * x + a[w * 4 + 1] * y + a[w * 4 + 2] * z + a[w * 4 + 3])];
    }

    [Fact]
    public void APatientWithMuchWiderSlicesIsCutAroundTheBodyToTheMedianWidth()
    {
        var (a, b) = (SyntheticPatients.Ball("a", 9), SyntheticPatients.Ball("b", 8));
        var wide = Padded(SyntheticPatients.Ball("c", 9), 12, [40, -20, 5]);              // 56 mm against 32
        var wideValidation = Padded(SyntheticPatients.Ball("v", 9), 12, [0, 0, 0]);
        var log = new StringWriter();

        var (training, validation) = TrainingFieldOfView.Common([a, b, wide], [wideValidation], log);

        Assert.Contains("Patients with slices much wider than the training patients' median (32 mm)", log.ToString());
        Assert.Contains("c (56 x 56 mm to 32 x 32 mm); v (56 x 56 mm to 32 x 32 mm)", log.ToString());
        Assert.Same(a, training[0]);
        Assert.Same(b, training[1]);
        var cut = training[2];
        Assert.Equal((32, 32, 6), (cut.Image.SizeX, cut.Image.SizeY, cut.Image.SizeZ));
        Assert.Equal((32, 32, 6), (cut.Label.SizeX, cut.Label.SizeY, cut.Label.SizeZ));
        // The whole ball is kept, image and label cut alike, every voxel where it was in the world.
        Assert.Equal(wide.Label.Data.Sum(), cut.Label.Data.Sum());
        bool CutAt(int sx, int sy)
        {
            for (int z = 0; z < 6; z++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++)
                        if (wide.Image[x + sx, y + sy, z] != cut.Image[x, y, z] || wide.Label[x + sx, y + sy, z] != cut.Label[x, y, z])
                            return false;
            return true;
        }
        var (startX, startY) = Assert.Single(from sx in Enumerable.Range(0, 25) from sy in Enumerable.Range(0, 25) where CutAt(sx, sy) select (sx, sy));
        Assert.InRange(startX, 11, 13); // the ball's centre, 28, less half the window
        Assert.InRange(startY, 11, 13);
        Assert.Equal(World(wide.Image, startX + 3, startY + 7, 2), World(cut.Image, 3, 7, 2));
        Assert.Equal(World(wide.Label, startX, startY, 0), World(cut.Label, 0, 0, 0));
        Assert.Equal("LAS", NiftiOrientation.AxisCodes(cut.Image.Header!));
        Assert.Equal(32, validation[0].Image.SizeX);

        // Patients within 15 % of the median are left as they are, and nothing is logged.
        var quiet = new StringWriter();
        var (same, alike) = TrainingFieldOfView.Common([a, b], [b], quiet);
        Assert.Equal([a, b], same);
        Assert.Same(b, Assert.Single(alike));
        Assert.Empty(quiet.ToString());
    }

    [Fact]
    public void AModelTrainedWithAWidePatientRecordsTheOthersWidthAndScoresAWideVolumeInAWindow()
    {
        var patients = new[]
        {
            SyntheticPatients.Ball("a", 8), SyntheticPatients.Ball("b", 10), SyntheticPatients.Ball("c", 9),
            Padded(SyntheticPatients.Ball("d", 9), 16, [0, 0, 0]), Padded(SyntheticPatients.Ball("e", 9), 16, [0, 0, 0]),
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

        Assert.Contains("d (64 x 64 mm to 32 x 32 mm); e (64 x 64 mm to 32 x 32 mm)", log.ToString());
        Assert.Equal(32, result.Plausibility!.Geometry!.FieldOfViewMaxMm);
        var evaluated = Assert.Single(result.Evaluation!.Patients);
        Assert.True(evaluated.Metrics.Dice > 0.8, $"the wide validation ball, scored in a window: 3D Dice {evaluated.Metrics.Dice:F3}");
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
