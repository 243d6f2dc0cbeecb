using Microsoft.ML;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Organ-free slices drawn anew each epoch: all are loaded, each epoch trains on the recipe's share of them.</summary>
public sealed class EmptySliceDrawTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-empty-draw-tests-").FullName;

    // Radius 5 in a volume of 6 slices: the ball is in slices 2 to 4, so 3 of the 6 are organ-free.
    static PatientVolume Patient(string id) => SyntheticPatients.Ball(id, radius: 5);

    [Fact]
    public void EveryOrganFreeSliceIsLoadedAndMarked()
    {
        var recipe = TrainingRecipes.LiverMri();
        recipe.RedrawEmptySlices = true;
        var options = SliceLoaderOptions.FromRecipe(recipe, training: true);
        Assert.Equal(1, options.EmptySliceFraction);
        options.ImageSize = 32;
        var rows = SliceLoader.Slices([Patient("a")], options);
        Assert.Equal(6, rows.Count);
        Assert.Equal([true, true, false, false, false, true], rows.Select(r => r.OrganFree));
        recipe.RedrawEmptySlices = false;
        Assert.Equal(0.25, SliceLoaderOptions.FromRecipe(recipe, training: true).EmptySliceFraction);
    }

    [Fact]
    public void EachEpochTrainsOnTheSlicesWithTheOrganAndItsShareOfTheOthers()
    {
        var recipe = TrainingRecipes.Quick();
        recipe.ImageSize = 32;
        recipe.Network = new Networks.UNetOptions { Depth = 2, BaseFilters = 4, BatchNorm = true };
        recipe.Trainer.Epochs = 2;
        recipe.Trainer.BatchSize = 4;
        recipe.Trainer.Augmentation = Transforms.AugmentationOptions.None;
        recipe.EmptySliceFraction = 0.25;
        recipe.RedrawEmptySlices = true;
        var patients = new[] { Patient("a"), Patient("b"), Patient("c"), Patient("d"), Patient("e") };
        var log = new StringWriter();
        var steps = new List<int>();
        VolumeTraining.Run(new MLContext(seed: 1), recipe, patients, new PatientFold(["a", "b", "c", "d"], ["e"]),
            new VolumeTrainingOptions { OutputFolder = folder, Log = log, Progress = p => { if (p.EpochCompleted) steps.Add(p.StepsPerEpoch); } });

        // 12 slices with the organ and 12 without, of which 3 each epoch: 15 slices, 4 steps of 4.
        Assert.Contains("24 training slices (all with the organ; of those without it, a share of 0.25 drawn anew each epoch)", log.ToString());
        Assert.Equal([4, 4], steps);
        Assert.True(TrainingRecipe.ReadJson(Path.Combine(folder, VolumeTraining.RecipeFile)).RedrawEmptySlices);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
