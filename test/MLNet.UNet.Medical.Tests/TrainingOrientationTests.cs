using Microsoft.ML;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Training patients stored different ways are brought to the orientation most of them have before they are sliced.</summary>
public sealed class TrainingOrientationTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-orientation-tests-").FullName;

    // The patient with a header whose sform stores its axes as the codes say (the voxels are not moved).
    static PatientVolume StoredAs(PatientVolume patient, string? codes)
    {
        if (codes is null)
            return patient;
        var sform = new double[12];
        for (int axis = 0; axis < 3; axis++)
            sform["LRPAIS".IndexOf(codes[axis]) / 2 * 4 + axis] = "RAS".Contains(codes[axis]) ? 1 : -1;
        NiftiHeader Header(Volume v) => new() { Rank = 3, Dimensions = [v.SizeX, v.SizeY, v.SizeZ], Spacing = [1, 1, 1], SFormCode = 1, SForm = sform };
        return patient with { Image = new Volume(patient.Image.Data, patient.Image.SizeX, patient.Image.SizeY, patient.Image.SizeZ, header: Header(patient.Image)),
            Label = new Volume(patient.Label.Data, patient.Label.SizeX, patient.Label.SizeY, patient.Label.SizeZ, header: Header(patient.Label)) };
    }

    [Fact]
    public void PatientsStoredOtherwiseThanMostAreTurnedToThem()
    {
        var ball = SyntheticPatients.BallAndBlock("x", 3, 120);
        var (a, b, c, e) = (StoredAs(ball with { PatientId = "a" }, "LAS"), StoredAs(ball with { PatientId = "b" }, "LAS"),
            StoredAs(ball with { PatientId = "c" }, "LPS"), StoredAs(ball with { PatientId = "e" }, null));
        var d = StoredAs(ball with { PatientId = "d" }, "RAS");
        var f = StoredAs(ball with { PatientId = "f" }, "LSA");
        var log = new StringWriter();

        var (training, validation) = TrainingOrientation.Common([a, b, c, e], [d, f], log);

        Assert.Contains("Patients c (LPS), d (RAS), f (LSA) are stored otherwise than most training patients; turned to LAS", log.ToString());
        Assert.Contains("warning: patients f have their slices stacked along another direction than LAS", log.ToString());
        Assert.Equal((32, 6, 32), (validation[1].Image.SizeX, validation[1].Image.SizeY, validation[1].Image.SizeZ));
        Assert.Same(a, training[0]);
        Assert.Same(e, training[3]); // says nothing of orientation: as stored
        Assert.Equal("LAS", NiftiOrientation.AxisCodes(training[2].Image.Header!));
        Assert.Equal("LAS", NiftiOrientation.AxisCodes(validation[0].Label.Header!));
        var turn = AxisReorientation.Between("LPS", "LAS")!;
        Assert.Equal(turn.Apply(c.Image).Data, training[2].Image.Data);
        Assert.Equal(turn.Apply(c.Label).Data, training[2].Label.Data);
        Assert.NotEqual(c.Image.Data, training[2].Image.Data);

        // All stored alike, or saying nothing: nothing is turned or logged.
        var quiet = new StringWriter();
        var (same, _) = TrainingOrientation.Common([a, b, e], [], quiet);
        Assert.Equal([a, b, e], same);
        Assert.Empty(quiet.ToString());
    }

    [Fact]
    public void AModelTrainedOnPatientsStoredTwoWaysRecordsTheCommonOrientation()
    {
        var patients = new[]
        {
            StoredAs(SyntheticPatients.Ball("a", 8), "RAS"), StoredAs(SyntheticPatients.Ball("b", 10), "RAS"),
            StoredAs(SyntheticPatients.Ball("c", 9), "LPS"), StoredAs(SyntheticPatients.Ball("d", 9), "ARS"), SyntheticPatients.Ball("e", 9),
        };
        var recipe = TrainingRecipes.Quick();
        recipe.ImageSize = 32;
        recipe.Network = new Networks.UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true };
        recipe.Trainer.Epochs = 25;
        recipe.Trainer.BatchSize = 6;
        recipe.Trainer.Augmentation = Transforms.AugmentationOptions.None;
        var log = new StringWriter();

        var result = VolumeTraining.Run(new MLContext(1), recipe, patients, new PatientFold(["a", "b", "c", "e"], ["d"]),
            new VolumeTrainingOptions { OutputFolder = folder, Log = log });

        Assert.Contains("Patients c (LPS), d (ARS) are stored otherwise than most training patients; turned to RAS", log.ToString());
        Assert.Equal("RAS", result.Plausibility!.Geometry!.AxisCodes); // e says nothing of orientation and is learned as stored
        Assert.True(result.Evaluation!.Patients[0].Metrics.Dice > 0.8, $"the turned validation ball: 3D Dice {result.Evaluation.Patients[0].Metrics.Dice:F3}");
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
