using System.CommandLine;
using MLNet.UNet.Cli.Commands;
using MLNet.UNet.Recipes;
using MLNet.UNet.Runtime;

namespace MLNet.UNet.Cli.Tests;

/// <summary><c>unet train</c>'s flags start from the named recipe and change only the fields they name.</summary>
public class RecipeOptionsTests
{
    static TrainingRecipe Effective(params string[] args)
    {
        var options = new RecipeOptions();
        var command = new RootCommand();
        foreach (var option in options.All)
            command.Options.Add(option);
        var result = command.Parse(args);
        Assert.Empty(result.Errors);
        return options.Effective(result);
    }

    static TrainingRecipe Seeded(TrainingRecipe recipe)
    {
        recipe.Trainer.Seed = 1;
        return recipe;
    }

    [Fact]
    public void WithoutFlagsTheToolTrainsTheNamedRecipeAsTheLibraryDefinesIt()
    {
        Assert.Equal(Seeded(TrainingRecipes.Quick()).ToJson(), Effective().ToJson());
        foreach (var name in TrainingRecipes.Names)
            Assert.Equal(Seeded(TrainingRecipes.Get(name)).ToJson(), Effective("--recipe", name).ToJson());
    }

    [Fact]
    public void TileFlagsTurnOnTheSlidingWindowAndNeedIt()
    {
        var window = Effective("--size", "200", "--tile", "64", "--tile-blend", "constant").SlidingWindow;
        Assert.NotNull(window);
        Assert.Equal((64, 0.5, Inference.TileBlend.Constant), (window.TileSize, window.Overlap, window.Blend));
        Assert.Null(Effective("--size", "64").SlidingWindow);
        Assert.Contains("--tile", Assert.Throws<ArgumentException>(() => Effective("--tile-overlap", "0.25")).Message);
        Assert.StartsWith("--tile: SlidingWindowOptions.TileSize", Assert.Throws<ArgumentException>(() => Effective("--size", "200", "--tile", "60")).Message);
        Assert.Contains("at least the sliding window's tile", Assert.Throws<ArgumentException>(() => Effective("--size", "32", "--tile", "64")).Message);
    }

    [Fact]
    public void AFlagChangesOnlyItsField()
    {
        var expected = Seeded(TrainingRecipes.LiverMri());
        expected.Trainer.Epochs = 3;
        expected.Trainer.WeightAveragingDecay = null;
        expected.Trainer.TimeBudget = null;
        expected.Network.BaseFilters = 8;
        expected.EmptySliceFraction = 0.5;
        expected.Trainer.Seed = 4;
        expected.Trainer.KeepBestModel = true;
        expected.RedrawEmptySlices = true;
        var effective = Effective("--recipe", "liver-mri", "--epochs", "3", "--weight-averaging", "0", "--minutes", "0", "--base-filters", "8",
            "--empty-slices", "0.5", "--seed", "4", "--keep-epoch", "best", "--redraw-empty-slices", "true");
        Assert.Equal(expected.ToJson(), effective.ToJson());
    }

    [Fact]
    public void TheRecipeOfARunIsTakenFromItsRecipeJsonAndFlagsStillOverrideIt()
    {
        var folder = Directory.CreateTempSubdirectory("unet-recipe-json-").FullName;
        try
        {
            var path = Path.Combine(folder, "recipe.json");
            var written = Effective("--recipe", "liver-mri", "--learning-rate", "0.0123", "--seed", "3");
            written.WriteJson(path);
            Assert.Equal(written.ToJson(), Effective("--recipe", path).ToJson());
            Assert.Equal(5, Effective("--recipe", path, "--epochs", "5").Trainer.Epochs);

            var command = new RootCommand();
            foreach (var option in new RecipeOptions().All)
                command.Options.Add(option);
            var missing = command.Parse(["--recipe", Path.Combine(folder, "gone.json")]);
            Assert.Contains("is neither a recipe (quick, liver-mri", Assert.Single(missing.Errors).Message);
            File.WriteAllText(Path.Combine(folder, "bad.json"), "{ not json");
            Assert.StartsWith("--recipe: ", Assert.Throws<ArgumentException>(() => Effective("--recipe", Path.Combine(folder, "bad.json"))).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TheKeepEpochFlagChoosesTheBestOrTheLastWeights()
    {
        Assert.True(TrainingRecipes.Quick().Trainer.KeepBestModel);
        Assert.False(Effective("--keep-epoch", "last").Trainer.KeepBestModel);
        Assert.False(TrainingRecipes.LiverMri().Trainer.KeepBestModel);
        Assert.True(Effective("--recipe", "liver-mri", "--keep-epoch", "best").Trainer.KeepBestModel);
    }

    [Fact]
    public void TheDeviceFlagSetsTheTrainersDeviceAndNamesItselfWhenWrong()
    {
        Assert.Equal(TrainingDevice.Cuda(1), Effective("--device", "cuda:1").Trainer.Device);
        Assert.Equal(TrainingDevice.Cpu, Effective("--recipe", "liver-mri", "--device", "cpu").Trainer.Device);
        Assert.Equal(TrainingDevice.Auto, Effective().Trainer.Device);
        var error = Assert.Throws<ArgumentException>(() => Effective("--device", "gpu"));
        Assert.StartsWith("--device: 'gpu' is not a training device", error.Message);
    }

    [Fact]
    public void APresetReplacesTheNetworkAndLaterFlagsRefineIt()
    {
        var effective = Effective("--recipe", "liver-mri", "--preset", "small", "--depth", "3");
        Assert.Equal((3, 16, true), (effective.Network.Depth, effective.Network.BaseFilters, effective.Network.BatchNorm));
        Assert.Equal(TrainingRecipes.LiverMri().Trainer.Augmentation.RegionIntensityProbability, effective.Trainer.Augmentation.RegionIntensityProbability);
        Assert.False(Effective("--recipe", "liver-mri", "--augment", "none").Trainer.Augmentation.Enabled);
    }

    [Fact]
    public void ContextLabelsAreSetOrTurnedOffByTheirFlag()
    {
        Assert.Equal([2, 3, 4], Effective("--recipe", "liver-mri").ContextLabels);
        Assert.Empty(Effective("--recipe", "liver-mri", "--context-labels", "none").ContextLabels);
        Assert.Equal([4, 2], Effective("--recipe", "liver-mri-liver-only", "--context-labels", "4, 2").ContextLabels);
        Assert.Contains("--context-labels: 'spleen' is not a label value", Assert.Throws<ArgumentException>(() => Effective("--context-labels", "spleen")).Message);
        Assert.Contains("--context-labels: TrainingRecipe.ContextLabels must be distinct", Assert.Throws<ArgumentException>(() => Effective("--context-labels", "2,2")).Message);
    }

    [Fact]
    public void SliceSmoothingIsTheRecipesUnlessItsFlagIsGiven()
    {
        Assert.Equal(1, Effective("--recipe", "liver-mri").SmoothingRadius);
        Assert.Equal(0, Effective("--recipe", "liver-mri", "--smooth-slices", "0").SmoothingRadius);
        Assert.Equal(2, Effective("--recipe", "quick", "--smooth-slices", "2").SmoothingRadius);
        Assert.Contains("--smooth-slices: TrainingRecipe.SmoothingRadius must be in [0, 8]", Assert.Throws<ArgumentException>(() => Effective("--smooth-slices", "-1")).Message);
    }

    [Fact]
    public void DeepSupervisionIsTheLiverRecipesAndItsFlagOverridesIt()
    {
        Assert.Equal(3, Effective("--recipe", "liver-mri").Network.DeepSupervisionOutputs);
        Assert.Equal(0, Effective("--recipe", "liver-mri", "--deep-supervision", "0").Network.DeepSupervisionOutputs);
        // A shallower network than the recipe's leaves no room for its three outputs: the flag to change is named.
        Assert.Contains("--deep-supervision: UNetOptions.DeepSupervisionOutputs must be between 0 and Depth - 1 = 2, got 3",
            Assert.Throws<ArgumentException>(() => Effective("--recipe", "liver-mri", "--depth", "3")).Message);
        Assert.Equal(0, Effective("--recipe", "quick").Network.DeepSupervisionOutputs);
        Assert.Equal(2, Effective("--recipe", "quick", "--deep-supervision", "2").Network.DeepSupervisionOutputs);
        Assert.Contains("--deep-supervision: UNetOptions.DeepSupervisionOutputs must be between 0 and Depth - 1 = 3",
            Assert.Throws<ArgumentException>(() => Effective("--recipe", "quick", "--deep-supervision", "4")).Message);
    }

    [Fact]
    public void TestTimeShiftsAreOffInTheRecipesAndItsFlagTurnsThemOn()
    {
        Assert.False(Effective("--recipe", "liver-mri").TestTimeShifts);
        Assert.True(Effective("--recipe", "liver-mri", "--test-time-shifts", "true").TestTimeShifts);
        Assert.False(Effective("--recipe", "liver-mri-liver-only").TestTimeShifts);
        Assert.True(Effective("--recipe", "quick", "--test-time-shifts", "true").TestTimeShifts);
    }

    [Fact]
    public void ThePatientsSplitFollowsTheSeedUnlessTheSplitSeedIsGiven()
    {
        var seeded = Effective("--recipe", "liver-mri", "--seed", "2");
        Assert.Null(seeded.SplitSeed);
        Assert.Equal((2, 2), (seeded.Seed, seeded.PatientSplitSeed));
        var apart = Effective("--recipe", "liver-mri", "--seed", "2", "--split-seed", "1");
        Assert.Equal((2, 1), (apart.Seed, apart.PatientSplitSeed));
    }

    [Fact]
    public void LabelFractionsFollowTheRecipeUnlessTheFlagSaysOtherwise()
    {
        Assert.False(Effective("--recipe", "quick").LabelFractions);
        Assert.True(Effective("--recipe", "quick", "--label-fractions", "true").LabelFractions);
        Assert.False(Effective("--recipe", "quick", "--label-fractions", "false").LabelFractions);
    }

    [Fact]
    public void AnOutOfRangeValueIsRefusedByTheOptionTypeThatOwnsIt()
    {
        Assert.Contains("--size: TrainingRecipe.ImageSize 100", Assert.Throws<ArgumentException>(() => Effective("--size", "100")).Message);
        Assert.Contains("--weight-averaging: TrainerOptions.WeightAveragingDecay", Assert.Throws<ArgumentException>(() => Effective("--weight-averaging", "1.5")).Message);
        Assert.Contains("TrainingRecipe.ValidationFraction", Assert.Throws<ArgumentException>(() => Effective("--validation", "1")).Message);
        Assert.Contains("FitScheduleToTimeBudget", Assert.Throws<ArgumentException>(() => Effective("--fit-schedule-to-time")).Message);
    }
}
