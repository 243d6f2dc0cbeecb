using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Folds run one per sitting are one cross-validation only if they were trained with the same recipe.</summary>
public sealed class CrossValidationRecipeTests : IDisposable
{
    readonly string folder = Path.Combine(Path.GetTempPath(), "unet-cv-recipe-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void AFoldTrainedWithAnotherRecipeIsLeftOutNamingTheSettingThatDiffers()
    {
        var split = PatientSplit.KFold(["1", "2", "3", "4", "5", "6"], 3, seed: 1);
        var recipe = TrainingRecipes.LiverMri();
        var longer = TrainingRecipes.LiverMri();
        longer.Trainer.Epochs = recipe.Trainer.Epochs + 25;
        // Each fold's recipe.json as training writes it (the last epoch kept, the seed drawn).
        WriteFold(0, split[0], VolumeCrossValidation.FoldRecipe(recipe));
        WriteFold(1, split[1], VolumeCrossValidation.FoldRecipe(longer));
        WriteFold(2, split[2], recipe: null);
        var log = new StringWriter();

        var combined = VolumeCrossValidation.Combine(folder, split, log, recipe);

        Assert.NotNull(combined);
        Assert.Equal(split[0].Validation.Concat(split[2].Validation).Order(), combined.Patients.Select(p => p.PatientId).Order());
        Assert.Contains($"Fold 2: left out, it was trained with another recipe (Trainer.Epochs is {longer.Trainer.Epochs}, not {recipe.Trainer.Epochs})", log.ToString());
        Assert.Contains("Fold 3: patients", log.ToString());
        Assert.Contains("(recipe not recorded)", log.ToString());

        // Without a recipe given, the first fold in decides.
        var firstDecides = new StringWriter();
        VolumeCrossValidation.Combine(folder, split, firstDecides);
        Assert.Contains("Fold 2: left out", firstDecides.ToString());
        Assert.Contains("Fold 1: patients", firstDecides.ToString());
    }

    [Fact]
    public void FoldsOfAModelOfSomeOrgansAreComparedWithTheRecipeAsTheyTrainedIt()
    {
        var split = PatientSplit.KFold(["1", "2", "3", "4"], 2, seed: 1);
        var recipe = TrainingRecipes.AbdomenMri();
        var organs = OrganLabels.Parse("liver=1,spleen=4");
        var metrics = new VolumeMetrics(0.9, 0.82, 10, 1.5, 20, 8, 100, 110);
        for (int f = 0; f < split.Count; f++)
        {
            var foldFolder = Directory.CreateDirectory(VolumeCrossValidation.FoldFolder(folder, f)).FullName;
            var patients = new VolumeEvaluationReport([.. split[f].Validation.Select(p => new PatientEvaluation(p, metrics, metrics, [0.9]))]);
            new OrganEvaluationReport([("liver", patients), ("spleen", patients)]).WriteJson(Path.Combine(foldFolder, VolumeTraining.EvaluationFile));
            // As organ training writes it: three classes (the background, liver, spleen), not the recipe's five.
            OrganTraining.Prepared(VolumeCrossValidation.FoldRecipe(recipe), organs).WriteJson(Path.Combine(foldFolder, VolumeTraining.RecipeFile));
        }
        var log = new StringWriter();

        var combined = VolumeCrossValidation.CombineOrgans(folder, split, log, organs, recipe);

        Assert.True(combined is not null && combined.PatientIds.Count == 4, log.ToString());
    }

    [Fact]
    public void RecipesDifferOnlyWhereASettingDiffers()
    {
        Assert.Null(TrainingRecipes.LiverMri().DifferenceFrom(TrainingRecipes.LiverMri()));
        var smoothed = TrainingRecipes.LiverMri();
        smoothed.SmoothingRadius = 2;
        Assert.Equal("SmoothingRadius is 2, not 1", smoothed.DifferenceFrom(TrainingRecipes.LiverMri()));
        var other = TrainingRecipes.LiverMri();
        other.ContextLabels = [2];
        Assert.Equal("ContextLabels is [2], not [2,3,4]", other.DifferenceFrom(TrainingRecipes.LiverMri()));
        var splitNamed = TrainingRecipes.LiverMri();
        splitNamed.SplitSeed = 1;
        Assert.Null(splitNamed.DifferenceFrom(TrainingRecipes.LiverMri())); // unset, the split's seed is the seed, 1
        splitNamed.SplitSeed = 2;
        Assert.Equal("SplitSeed is 2, not 1", splitNamed.DifferenceFrom(TrainingRecipes.LiverMri()));
        var reworded = TrainingRecipes.LiverMri().Clone();
        Assert.Null(new TrainingRecipe { Name = reworded.Name, Description = "other words", Network = reworded.Network, Trainer = reworded.Trainer,
            ImageSize = reworded.ImageSize, ValidationFraction = reworded.ValidationFraction, EmptySliceFraction = reworded.EmptySliceFraction,
            ContextLabels = reworded.ContextLabels, SmoothingRadius = reworded.SmoothingRadius, TestTimeShifts = reworded.TestTimeShifts }.DifferenceFrom(TrainingRecipes.LiverMri()));
    }

    void WriteFold(int index, PatientFold fold, TrainingRecipe? recipe)
    {
        var foldFolder = Directory.CreateDirectory(VolumeCrossValidation.FoldFolder(folder, index)).FullName;
        var metrics = new VolumeMetrics(0.9, 0.82, 10, 1.5, 20, 8, 100, 110);
        new VolumeEvaluationReport([.. fold.Validation.Select(p => new PatientEvaluation(p, metrics, metrics, [0.9]))])
            .WriteJson(Path.Combine(foldFolder, VolumeTraining.EvaluationFile));
        recipe?.WriteJson(Path.Combine(foldFolder, VolumeTraining.RecipeFile));
    }

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }
}
