using Microsoft.ML;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Recipes;
using MLNet.UNet.Segment;

namespace MLNet.UNet.Medical.Tests;

/// <summary>
/// A resumed volume run must train on the data its checkpoint was trained on: the library refuses other slices,
/// patients or labels by name, before anything is loaded or written.
/// </summary>
public sealed class ResumeDataTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-resume-data-tests-").FullName;
    static readonly PatientVolume[] Patients = [SyntheticPatients.BallAndBlock("a", 0, 200), SyntheticPatients.BallAndBlock("b", 2, 200), SyntheticPatients.BallAndBlock("c", -2, 200)];
    static readonly PatientFold Fold = new(["a", "b"], ["c"]);

    static TrainingRecipe Recipe(int epochs)
    {
        var recipe = TrainingRecipes.Quick();
        recipe.ImageSize = 32;
        recipe.Network = new Networks.UNetOptions { Depth = 2, BaseFilters = 4 };
        recipe.Trainer.Epochs = epochs;
        recipe.Trainer.BatchSize = 6;
        recipe.Trainer.Augmentation = Transforms.AugmentationOptions.None;
        return recipe;
    }

    VolumeTrainingResult Train(TrainingRecipe recipe, PatientFold fold, LabelMapping? labels = null, bool resume = false, TextWriter? log = null,
        Action<MLNet.UNet.Training.TrainingProgress>? progress = null, CancellationToken cancellation = default, PatientVolume[]? patients = null) =>
        VolumeTraining.Run(new MLContext(seed: 1), recipe, patients ?? Patients, fold, new VolumeTrainingOptions
        {
            OutputFolder = folder, Resume = resume, Labels = labels ?? LabelMapping.Liver, Log = log ?? TextWriter.Null, Progress = progress,
            CancellationToken = cancellation,
        });

    Dictionary<string, string> Files(string? inFolder = null) =>
        Directory.EnumerateFiles(inFolder ?? folder).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(File.ReadAllBytes(f)));

    [Fact]
    public void AResumeOnOtherSlicesPatientsOrLabelsIsRefusedNamingEachAndLeavesTheRunAsItWas()
    {
        Train(Recipe(1), Fold);
        Assert.True(File.Exists(Path.Combine(folder, VolumeTraining.RunDataFile)));
        var before = Files();

        var otherSlices = Recipe(2);
        otherSlices.EmptySliceFraction = 1;
        otherSlices.NeighbourSlices = 1;
        otherSlices.SmoothingRadius = 1; // changes only how the model scores: not a difference
        var message = Assert.Throws<ArgumentException>(() => Train(otherSlices, Fold, resume: true)).Message;
        Assert.Contains("TrainingRecipe.NeighbourSlices: the run's 0, asked 1; TrainingRecipe.EmptySliceFraction: the run's 0.5, asked 1.", message);
        Assert.DoesNotContain("SmoothingRadius", message);

        var log = new StringWriter();
        message = Assert.Throws<ArgumentException>(() => Train(Recipe(2), new PatientFold(["a"], ["b", "c"]), resume: true, log: log)).Message;
        Assert.Contains("training patients: not asked b (the run's); validation patients: asked b (not the run's).", message);
        Assert.DoesNotContain("training slices", log.ToString()); // refused before any slice was loaded

        var blockAsOrgan = new LabelMapping(new Dictionary<int, int> { [4] = 1 });
        message = Assert.Throws<ArgumentException>(() => Train(Recipe(2), Fold, blockAsOrgan, resume: true)).Message;
        Assert.Contains("label values per class: the run's class 1: 1, asked class 1: 4.", message);
        Assert.Contains(Path.Combine(folder, VolumeTraining.RecipeFile), message);
        Assert.Equal(before, Files());

        // The same data, with the patients given in another order and more epochs, resumes.
        var resumed = Train(Recipe(2), new PatientFold(["b", "a"], ["c"]), resume: true);
        Assert.Equal(2, resumed.History.Count);
    }

    [Fact]
    public void AResumeOnTheSamePatientIdsWithOtherVoxelsIsRefusedAndARecordWithoutFingerprintsIsNotCompared()
    {
        Train(Recipe(1), Fold);
        var before = Files();
        // Patient b read from elsewhere: another series of the same patient, or its label file redrawn.
        PatientVolume[] otherSeries = [Patients[0], SyntheticPatients.BallAndBlock("b", 1, 200), Patients[2]];
        var otherLabel = Patients[1] with { Label = Patients[1].Label.WithData(Patients[1].Label.Data.Select(v => v == 4 ? 0f : v).ToArray()) };
        foreach (var patients in new[] { otherSeries, [Patients[0], otherLabel, Patients[2]], [Patients[0], StoredAsLps(Patients[1]), Patients[2]] })
        {
            var message = Assert.Throws<ArgumentException>(() => Train(Recipe(2), Fold, resume: true, patients: patients)).Message;
            Assert.Contains("than asked for: patient b: other voxels than the run's (another series, or a file changed, resampled or turned)", message); // a, c unchanged
        }
        Assert.Equal(before, Files());

        // A record written before fingerprints were kept compares the IDs alone.
        var record = Path.Combine(folder, VolumeTraining.RunDataFile);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(record))!.AsObject();
        Assert.True(json.Remove("Voxels"));
        File.WriteAllText(record, json.ToJsonString());
        var log = new StringWriter();
        Assert.Equal(2, Train(Recipe(2), Fold, resume: true, log: log, patients: otherSeries).History.Count);
        Assert.Contains($"The record of the checkpoint's patients ({record}) has no fingerprints of their voxels; they are compared by ID alone.", log.ToString());
        Assert.NotNull(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(record))!["Voxels"]); // recorded now, for a later resume
    }

    // The same voxels and spacing, with a header that says they are stored L, P, S: training would turn them.
    static PatientVolume StoredAsLps(PatientVolume patient)
    {
        Volume WithHeader(Volume v) => new(v.Data, v.SizeX, v.SizeY, v.SizeZ, v.SpacingX, v.SpacingY, v.SpacingZ, new NiftiHeader
        {
            Rank = 3, Dimensions = [v.SizeX, v.SizeY, v.SizeZ], Spacing = [v.SpacingX, v.SpacingY, v.SpacingZ], SFormCode = 1,
            SForm = [-v.SpacingX, 0, 0, 0, 0, -v.SpacingY, 0, 0, 0, 0, v.SpacingZ, 0],
        });
        return patient with { Image = WithHeader(patient.Image), Label = WithHeader(patient.Label) };
    }

    [Fact]
    public void ADamagedRecordIsRefusedNamingTheFileAndAMissingOneIsResumedWithALine()
    {
        Train(Recipe(1), Fold);
        var record = Path.Combine(folder, VolumeTraining.RunDataFile);
        File.WriteAllText(record, "{\"Training\": [");
        var error = Assert.Throws<InvalidDataException>(() => Train(Recipe(2), Fold, resume: true));
        Assert.Contains(record, error.Message);
        Assert.Contains("Delete it to resume without comparing it", error.Message);

        File.Delete(record);
        var log = new StringWriter();
        Assert.Equal(2, Train(Recipe(2), Fold, resume: true, log: log).History.Count);
        Assert.Contains($"No record of the checkpoint's patients and classes ({record}); resuming with the ones given.", log.ToString());
        Assert.True(File.Exists(record)); // recorded now, so that a later resume is checked
    }

    [Fact]
    public void AResumeTheCheckpointRefusesLeavesTheRunsRecordsAndEvaluationAsTheyWere()
    {
        Train(Recipe(1), Fold);
        File.Delete(Path.Combine(folder, VolumeTraining.RunDataFile)); // a run from before the record was kept
        var before = Files();
        Assert.Contains(VolumeTraining.EvaluationFile, before.Keys);

        var otherNetwork = Recipe(2);
        otherNetwork.Network.BaseFilters = 8;
        Assert.Throws<CheckpointSettingsException>(() => Train(otherNetwork, new PatientFold(["a"], ["b", "c"]), resume: true));
        Assert.Equal(before, Files()); // the other patients were not recorded as the checkpoint's
    }

    [Fact]
    public void AResumeOfSeveralOrgansInAnotherOrderIsRefused()
    {
        OrganTraining.Run(new MLContext(seed: 1), Recipe(1), Patients, Fold, OrganLabels.Parse("organ=1,block=4"),
            new VolumeTrainingOptions { OutputFolder = folder });
        var message = Assert.Throws<ArgumentException>(() => OrganTraining.Run(new MLContext(seed: 1), Recipe(2), Patients, Fold,
            OrganLabels.Parse("block=4,organ=1"), new VolumeTrainingOptions { OutputFolder = folder, Resume = true })).Message;
        Assert.Contains("label values per class: the run's class 1: 1; class 2: 4, asked class 1: 4; class 2: 1.", message);
    }

    [Fact]
    public void AFoldWhoseResumeTheCheckpointRefusesKeepsItsEvaluationForTheCombination()
    {
        var options = new VolumeTrainingOptions { OutputFolder = folder };
        VolumeCrossValidation.Run(new MLContext(seed: 1), Recipe(1), Patients, folds: 3, only: 1, options);
        var fold = VolumeCrossValidation.FoldFolder(folder, 0);
        var before = Files(fold);
        Assert.Contains(VolumeTraining.EvaluationFile, before.Keys);

        var otherNetwork = Recipe(2);
        otherNetwork.Network.BaseFilters = 8;
        Assert.Throws<CheckpointSettingsException>(() => VolumeCrossValidation.Run(new MLContext(seed: 1), otherNetwork, Patients, folds: 3, only: 1,
            new VolumeTrainingOptions { OutputFolder = folder, Resume = true }));
        Assert.Equal(before, Files(fold));
    }

    [Fact]
    public void AResumeRecordsItsDataOnceAnEpochHasEndedAndARunThatStartsOverRemovesTheOldCheckpointAndEvaluation()
    {
        Train(Recipe(1), Fold);
        var record = Path.Combine(folder, VolumeTraining.RunDataFile);
        File.Delete(record); // a run from before the record was kept

        // A resume stopped after its first epoch has taken the checkpoint: its data is recorded, its recipe rewritten.
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Train(Recipe(4), Fold, resume: true, cancellation: stop.Token,
            progress: report => { if (report.EpochCompleted) stop.Cancel(); }));
        Assert.True(File.Exists(record));
        Assert.Equal(4, TrainingRecipe.ReadJson(Path.Combine(folder, VolumeTraining.RecipeFile)).Trainer.Epochs);
        Assert.False(File.Exists(Path.Combine(folder, VolumeTraining.EvaluationFile))); // the earlier end's, gone

        // Starting over (no resume) and stopped at once: no old checkpoint is left for a later resume to take for this run's.
        Train(Recipe(1), Fold);
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Train(Recipe(1), new PatientFold(["a"], ["b", "c"]), cancellation: stopped.Token));
        Assert.False(File.Exists(Path.Combine(folder, VolumeTraining.CheckpointFile)));
        Assert.False(File.Exists(Path.Combine(folder, VolumeTraining.EvaluationFile)));
        Assert.True(File.Exists(Path.Combine(folder, VolumeTraining.ModelFile))); // the old model stays until a new one replaces it
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
