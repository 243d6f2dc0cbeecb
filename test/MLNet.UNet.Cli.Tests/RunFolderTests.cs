using MLNet.UNet.Cli.Commands;
using MLNet.UNet.Medical.Training;

namespace MLNet.UNet.Cli.Tests;

/// <summary>What a run that stops before its first checkpoint removes (the folders it made), and which checkpoint a stop message names.</summary>
public sealed class RunFolderTests : IDisposable
{
    readonly DirectoryInfo root = Directory.CreateTempSubdirectory("unet-run-folder-");

    DirectoryInfo Output => new(Path.Combine(root.FullName, "made", "cv"));

    static void Write(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, name), name);
    }

    [Fact]
    public void AFoldThatFailsInANewFolderLeavesAnotherFoldBeingTrainedThere()
    {
        var made = new DirectoryInfo(Path.Combine(root.FullName, "made"));
        var places = RunFolder.Places(Output, folds: 5, fold: 1);
        Write(Output.FullName, "training-data.json");
        Write(places[0], VolumeTraining.RecipeFile);
        // Another run, started on fold 2 of the same new folder, has not finished its first epoch.
        string other = VolumeCrossValidation.FoldFolder(Output.FullName, 1);
        Write(other, VolumeTraining.RecipeFile);

        RunFolder.RemoveUnlessResumable(Output, places, made);

        Assert.False(Directory.Exists(places[0]));
        Assert.True(File.Exists(Path.Combine(other, VolumeTraining.RecipeFile)));
        Assert.True(File.Exists(Path.Combine(Output.FullName, "training-data.json")));
    }

    [Fact]
    public void AFoldThatFailsAloneInANewFolderLeavesNothing()
    {
        var made = new DirectoryInfo(Path.Combine(root.FullName, "made"));
        var places = RunFolder.Places(Output, folds: 5, fold: 3);
        Write(Output.FullName, "training-data.json");
        Write(places[0], VolumeTraining.RecipeFile);

        RunFolder.RemoveUnlessResumable(Output, places, made);

        Assert.Empty(root.GetFileSystemInfos());
    }

    [Fact]
    public void ARunThatFailsInAFolderThatExistedRemovesOnlyTheFoldFoldersItMade()
    {
        // The cross-validation folder and fold 1 (stopped before its first checkpoint) were there before this run of every fold.
        Write(Output.FullName, VolumeCrossValidation.CombinedFile);
        string fold1 = RunFolder.Places(Output, folds: 3, fold: 1)[0];
        Write(fold1, VolumeTraining.RecipeFile);
        var places = RunFolder.Places(Output, folds: 3, fold: null);
        var made = RunFolder.Missing(places);
        Assert.Equal(places.Skip(1), made);
        // It finished fold 2 and failed in fold 3's first epoch.
        Write(places[1], VolumeTraining.CheckpointFile);
        Write(places[2], VolumeTraining.RecipeFile);

        RunFolder.RemoveUnlessResumable(Output, made, outermostMade: null);

        Assert.True(File.Exists(Path.Combine(fold1, VolumeTraining.RecipeFile)));
        Assert.True(File.Exists(Path.Combine(places[1], VolumeTraining.CheckpointFile)));
        Assert.False(Directory.Exists(places[2]));
        Assert.True(File.Exists(Path.Combine(Output.FullName, VolumeCrossValidation.CombinedFile)));

        // An output folder that existed is never removed, even when the run leaves it empty.
        Directory.Delete(Output.FullName, recursive: true);
        Directory.CreateDirectory(Output.FullName);
        var whole = RunFolder.Places(Output, folds: null, fold: null);
        Assert.Empty(RunFolder.Missing(whole));
        RunFolder.RemoveUnlessResumable(Output, RunFolder.Missing(whole), outermostMade: null);
        Assert.True(Directory.Exists(Output.FullName));
    }

    [Fact]
    public void ACheckpointIsKeptAndNamedOnlyByTheRunWhosePlaceHoldsIt()
    {
        var made = new DirectoryInfo(Path.Combine(root.FullName, "made"));
        var fold2 = RunFolder.Places(Output, folds: 5, fold: 2);
        var fold1 = RunFolder.Places(Output, folds: 5, fold: 1);
        Write(fold1[0], VolumeTraining.CheckpointFile);
        Write(fold2[0], VolumeTraining.RecipeFile);

        Assert.Null(RunFolder.NewestCheckpoint(fold2));
        Assert.Equal(Path.Combine(fold1[0], VolumeTraining.CheckpointFile), RunFolder.NewestCheckpoint(RunFolder.Places(Output, folds: 5, fold: null)));
        RunFolder.RemoveUnlessResumable(Output, fold2, made);

        Assert.False(Directory.Exists(fold2[0]));
        Assert.True(File.Exists(Path.Combine(fold1[0], VolumeTraining.CheckpointFile)));
    }

    [Fact]
    public void ARunWithoutFoldsLeavesItsFolderOnlyWithACheckpoint()
    {
        var made = new DirectoryInfo(Path.Combine(root.FullName, "made"));
        var places = RunFolder.Places(Output, folds: null, fold: null);
        Write(Output.FullName, VolumeTraining.RecipeFile);
        RunFolder.RemoveUnlessResumable(Output, places, made);
        Assert.Empty(root.GetFileSystemInfos());

        Write(Output.FullName, VolumeTraining.CheckpointFile);
        RunFolder.RemoveUnlessResumable(Output, places, made);
        Assert.Equal(Path.Combine(Output.FullName, VolumeTraining.CheckpointFile), RunFolder.NewestCheckpoint(places));
    }

    public void Dispose() => root.Delete(recursive: true);
}
