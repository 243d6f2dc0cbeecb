using System.Text.Json;
using MLNet.UNet.Recipes;

namespace MLNet.UNet.Trainer.Tests;

/// <summary>The named recipes: each is valid, fresh on every call, and says every setting in its JSON.</summary>
public class RecipeTests
{
    [Fact]
    public void EveryNamedRecipeIsValidAndCarriesItsName()
    {
        foreach (var name in TrainingRecipes.Names)
        {
            var recipe = TrainingRecipes.Get(name);
            recipe.Validate();
            Assert.Equal(name, recipe.Name);
            Assert.False(string.IsNullOrWhiteSpace(recipe.Description));
        }
    }

    [Fact]
    public void AnUnknownNameListsTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingRecipes.Get("liver"));
        Assert.Contains("Unknown recipe 'liver'", error.Message);
        Assert.Contains("liver-mri", error.Message);
        Assert.Contains("keras-seed", error.Message);
    }

    [Fact]
    public void EachCallGivesACopyThatIsTheCallersToChange()
    {
        var changed = TrainingRecipes.LiverMri();
        changed.Trainer.Epochs = 3;
        changed.Trainer.Augmentation.GammaProbability = 0;
        changed.Network.BaseFilters = 4;
        var fresh = TrainingRecipes.LiverMri();
        Assert.Equal(75, fresh.Trainer.Epochs);
        Assert.Equal(0.3, fresh.Trainer.Augmentation.GammaProbability);
        Assert.Equal(24, fresh.Network.BaseFilters);

        var clone = fresh.Clone();
        clone.Trainer.Augmentation.NoiseProbability = 0.9;
        clone.Network.Depth = 2;
        Assert.Equal(0.2, fresh.Trainer.Augmentation.NoiseProbability);
        Assert.Equal(5, fresh.Network.Depth);
        Assert.Equal(fresh.ToJson(), fresh.Clone().ToJson());
        // Every setting is copied, also those no recipe sets.
        fresh.RedrawEmptySlices = fresh.LabelFractions = fresh.TestTimeShifts = true;
        Assert.Equal(fresh.ToJson(), fresh.Clone().ToJson());
        fresh.EmptySliceFraction = -0.1;
        Assert.Contains("TrainingRecipe.EmptySliceFraction must be in [0, 1], got -0.1", Assert.Throws<ArgumentException>(fresh.Validate).Message);
    }

    [Fact]
    public void TheLiverRecipeIsTheMeasuredOneAndItsVariantDiffersOnlyInIntensityAugmentation()
    {
        var liver = TrainingRecipes.LiverMri();
        Assert.True(liver.UsesRegions);
        Assert.Equal((5, 24, true), (liver.Network.Depth, liver.Network.BaseFilters, liver.Network.BatchNorm));
        Assert.Equal((128, 0.25, 0.995), (liver.ImageSize, liver.EmptySliceFraction, liver.Trainer.WeightAveragingDecay!.Value));
        Assert.Equal(3, (int)Math.Round(15 * liver.ValidationFraction)); // 3 of the 15 shared patients validate

        // The comparison recipes were measured at 50 epochs within 55 minutes; liver-mri now trains 75 within 60.
        Assert.Equal((75, TimeSpan.FromMinutes(60)), (liver.Trainer.Epochs, liver.Trainer.TimeBudget));
        // It learns with deep supervision, which the comparison recipes predate; test-time shifts are a measured variant, off;
        // it keeps the last epoch, as a fold of the cross-validation does, where the comparison recipes kept the best.
        Assert.Equal((3, false, false), (liver.Network.DeepSupervisionOutputs, liver.TestTimeShifts, liver.Trainer.KeepBestModel));
        var basic = TrainingRecipes.LiverMriBasicIntensity();
        Assert.Equal((50, TimeSpan.FromMinutes(55)), (basic.Trainer.Epochs, basic.Trainer.TimeBudget));
        Assert.Equal(0, basic.Network.DeepSupervisionOutputs);
        Assert.False(basic.UsesRegions);
        TrainingRecipes.AddRobustIntensity(basic.Trainer.Augmentation);
        basic.Network.DeepSupervisionOutputs = liver.Network.DeepSupervisionOutputs;
        (basic.Trainer.Epochs, basic.Trainer.TimeBudget, basic.Trainer.KeepBestModel) = (liver.Trainer.Epochs, liver.Trainer.TimeBudget, liver.Trainer.KeepBestModel);
        using var liverJson = JsonDocument.Parse(liver.ToJson());
        using var basicJson = JsonDocument.Parse(basic.ToJson());
        foreach (var section in new[] { "Network", "Trainer", "ImageSize", "ValidationFraction", "NeighbourSlices", "EmptySliceFraction" })
            Assert.Equal(liverJson.RootElement.GetProperty(section).GetRawText(), basicJson.RootElement.GetProperty(section).GetRawText());
    }

    [Fact]
    public void TheLiverRecipeLearnsTheKidneysAndSpleenAsContextAndItsLiverOnlyVariantDiffersInThatAlone()
    {
        var liver = TrainingRecipes.LiverMri();
        Assert.Equal([2, 3, 4], liver.ContextLabels);
        Assert.Equal(1, liver.Network.OutputClasses);
        var liverOnly = TrainingRecipes.Get("liver-mri-liver-only");
        Assert.Empty(liverOnly.ContextLabels);
        // The liver-only recipe is the main job's before context labels, before its slice smoothing was chosen, before 75 epochs
        // and before deep supervision and keeping the last epoch.
        Assert.Equal((1, 0), (liver.SmoothingRadius, liverOnly.SmoothingRadius));
        liverOnly.ContextLabels = [2, 3, 4];
        liverOnly.SmoothingRadius = 1;
        liverOnly.Network.DeepSupervisionOutputs = liver.Network.DeepSupervisionOutputs;
        (liverOnly.Trainer.Epochs, liverOnly.Trainer.TimeBudget, liverOnly.Trainer.KeepBestModel) = (liver.Trainer.Epochs, liver.Trainer.TimeBudget, liver.Trainer.KeepBestModel);
        using var liverJson = JsonDocument.Parse(liver.ToJson());
        using var onlyJson = JsonDocument.Parse(liverOnly.ToJson());
        foreach (var section in new[] { "Network", "Trainer", "ImageSize", "ValidationFraction", "NeighbourSlices", "EmptySliceFraction", "ContextLabels", "SmoothingRadius" })
            Assert.Equal(liverJson.RootElement.GetProperty(section).GetRawText(), onlyJson.RootElement.GetProperty(section).GetRawText());
        var clone = liver.Clone();
        clone.ContextLabels[0] = 7;
        Assert.Equal(2, liver.ContextLabels[0]);
        Assert.Equal(1, clone.SmoothingRadius);
        clone.SmoothingRadius = 9;
        Assert.Contains("TrainingRecipe.SmoothingRadius must be in [0, 8], got 9", Assert.Throws<ArgumentException>(clone.Validate).Message);
    }

    [Fact]
    public void ContextLabelsThatCannotBeLearnedAreRefusedNamingTheField()
    {
        var recipe = TrainingRecipes.Quick();
        recipe.ContextLabels = [2, 0];
        Assert.Contains("TrainingRecipe.ContextLabels must be distinct label values above 0", Assert.Throws<ArgumentException>(recipe.Validate).Message);
        recipe.ContextLabels = [3, 3];
        Assert.Contains("[3, 3]", Assert.Throws<ArgumentException>(recipe.Validate).Message);
        recipe.ContextLabels = [2];
        recipe.Network.OutputClasses = 3;
        Assert.Contains("Network.OutputClasses is 3", Assert.Throws<ArgumentException>(recipe.Validate).Message);
    }

    [Fact]
    public void TheJsonHoldsEverySettingWithEnumsByName()
    {
        using var json = JsonDocument.Parse(TrainingRecipes.KerasSeed().ToJson());
        var root = json.RootElement;
        Assert.Equal("keras-seed", root.GetProperty("Name").GetString());
        var network = root.GetProperty("Network");
        Assert.Equal(1024, network.GetProperty("BaseFilters").GetInt32() << network.GetProperty("Depth").GetInt32()); // the seed's bottom
        Assert.Equal("Adam", root.GetProperty("Trainer").GetProperty("Optimizer").GetString());
        Assert.Equal("BinaryCrossEntropy", root.GetProperty("Trainer").GetProperty("Loss").GetString());
        Assert.Equal(0.5, root.GetProperty("Trainer").GetProperty("Augmentation").GetProperty("HorizontalFlipProbability").GetDouble());
    }

    [Fact]
    public void ASizeThatTheNetworkCannotTakeIsRefusedNamingTheField()
    {
        var recipe = TrainingRecipes.Quick();
        recipe.ImageSize = 100;
        Assert.Contains("TrainingRecipe.ImageSize 100 must be a positive multiple of 2^depth = 16", Assert.Throws<ArgumentException>(recipe.Validate).Message);
        recipe = TrainingRecipes.Quick();
        recipe.ValidationFraction = 1;
        Assert.Contains("TrainingRecipe.ValidationFraction", Assert.Throws<ArgumentException>(recipe.Validate).Message);
        recipe = TrainingRecipes.Quick();
        recipe.Trainer.BatchSize = 0;
        Assert.Contains("TrainerOptions.BatchSize", Assert.Throws<ArgumentException>(recipe.Validate).Message);
    }

    [Fact]
    public void ARecipeWrittenAsJsonIsReadBackWithEverySetting()
    {
        var recipe = TrainingRecipes.LiverMri();
        recipe.Trainer.Epochs = 7;
        recipe.SmoothingRadius = 2;
        recipe.SplitSeed = 4;
        var path = Path.Combine(Path.GetTempPath(), $"recipe-{Guid.NewGuid():N}.json");
        try
        {
            recipe.WriteJson(path);
            var read = TrainingRecipe.ReadJson(path);
            Assert.Equal(recipe.ToJson(), read.ToJson());
            Assert.Equal(2, read.SmoothingRadius);
            Assert.Equal([2, 3, 4], read.ContextLabels);
            Assert.Equal((1, 4), (read.Seed, read.PatientSplitSeed));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ARecipeFileThatIsDamagedOrOutOfRangeIsRefusedNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"recipe-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, "{ \"Name\": ");
            var damaged = Assert.Throws<InvalidDataException>(() => TrainingRecipe.ReadJson(path));
            Assert.Contains(path, damaged.Message);

            File.WriteAllText(path, TrainingRecipes.LiverMri().ToJson().Replace("\"SmoothingRadius\": 1", "\"SmoothingRadius\": 99"));
            var outOfRange = Assert.Throws<InvalidDataException>(() => TrainingRecipe.ReadJson(path));
            Assert.Contains("SmoothingRadius", outOfRange.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheDataSettingsAreComparedAndTheNetworkTrainerSplitAndScoringAreNot()
    {
        var other = TrainingRecipes.LiverMri();
        other.Trainer.Epochs = 3;
        other.Network.BaseFilters = 8;
        other.SplitSeed = 4;
        other.ValidationFraction = 0.4;
        other.SmoothingRadius = 0;
        other.TestTimeShifts = true;
        Assert.Empty(other.DataDifferencesFrom(TrainingRecipes.LiverMri()));

        // Of a sliding window, the tile is what training crops; the overlap, blend and batch of tiles only score.
        var tiled = TrainingRecipes.LiverMri();
        tiled.SlidingWindow = new Inference.SlidingWindowOptions { TileSize = 64 };
        var scoredOtherwise = tiled.Clone();
        scoredOtherwise.SlidingWindow!.Overlap = 0.75;
        scoredOtherwise.SlidingWindow.Blend = Inference.TileBlend.Constant;
        scoredOtherwise.SlidingWindow.TilesPerPass = 2;
        Assert.Empty(scoredOtherwise.DataDifferencesFrom(tiled));
        scoredOtherwise.SlidingWindow.TileSize = 32;
        Assert.Equal("TrainingRecipe.SlidingWindow.TileSize", Assert.Single(scoredOtherwise.DataDifferencesFrom(tiled)).Path);

        other.RedrawEmptySlices = true;
        other.ContextLabels = [2];
        other.LabelFractions = true;
        Assert.Equal(["TrainingRecipe.RedrawEmptySlices: true / false", "TrainingRecipe.ContextLabels: [2] / [2,3,4]", "TrainingRecipe.LabelFractions: true / false"],
            other.DataDifferencesFrom(TrainingRecipes.LiverMri()).Select(d => $"{d.Path}: {d.Value} / {d.OtherValue}"));
    }
}
