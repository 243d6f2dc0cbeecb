using Microsoft.ML;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>
/// One organ trained with its neighbour as a context class: the network learns both, and what training writes is the
/// organ's one-class model (a threshold, the organ's label value, the organ's plausibility record).
/// </summary>
public sealed class ContextLabelTrainingTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-context-tests-").FullName;

    // A ball (label 1) and, as bright, a block beside it (label 4): only its label tells the block from the organ.
    static PatientVolume OrganAndNeighbour(string id, int shift) => SyntheticPatients.BallAndBlock(id, shift, blockIntensity: 200);

    static TrainingRecipe TinyRecipe()
    {
        var recipe = TrainingRecipes.Quick();
        recipe.ImageSize = 32;
        recipe.Network = new Networks.UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true };
        recipe.Trainer.Epochs = 25;
        recipe.Trainer.BatchSize = 6;
        recipe.Trainer.Augmentation = Transforms.AugmentationOptions.None;
        recipe.ContextLabels = [4];
        return recipe;
    }

    [Fact]
    public void TheNetworkLearnsTheNeighbourAndTheModelSegmentsTheOrganAlone()
    {
        var patients = new[] { OrganAndNeighbour("a", 0), OrganAndNeighbour("b", 2), OrganAndNeighbour("c", -2), OrganAndNeighbour("d", 1) };
        var recipe = TinyRecipe();
        recipe.SmoothingRadius = 1;
        recipe.TestTimeShifts = true; // one pass here, where slices keep their size; the default is stored all the same
        var result = VolumeTraining.Run(new MLContext(seed: 1), recipe, patients, new PatientFold(["a", "b", "c"], ["d"]),
            new VolumeTrainingOptions { OutputFolder = folder });

        // Two classes besides the background were learned and validated: the organ and its neighbour.
        Assert.All(result.History, epoch => Assert.Equal(2, epoch.ValidationDicePerClass!.Count));
        Assert.True(result.Evaluation!.Patients[0].Metrics.Dice > 0.8, $"3D Dice {result.Evaluation.Patients[0].Metrics.Dice:F3}");

        // The zip is a one-organ model of label value 1, with a threshold and no organ list.
        var zip = Path.Combine(folder, VolumeTraining.ModelFile);
        Assert.Null(OrganLabels.ReadFromModel(zip));
        var context = new MLContext();
        var (model, kind, _) = ModelKind.Load(context, new FileInfo(zip));
        using var loaded = (IDisposable)model;
        Assert.Equal(0.5f, kind.Threshold);
        Assert.True(kind.Foreground!.IsExactly(1));
        Assert.Equal((1, true), (kind.SmoothingRadius, kind.TestTimeShifts)); // the recipe's, kept as the model's defaults
        Assert.Equal(OutputShift.None, kind.OutputShift); // slices trained at the volumes' own size
        var scoring = kind.SegmenterOptions(); // what the zip asks for, to score volumes with
        Assert.Equal((0.5f, 1, OutputShift.None, true, false), (scoring.Threshold, scoring.SmoothingRadius, scoring.OutputShift, scoring.TestTimeShifts, scoring.PostProcess));
        Assert.Equal(kind.Plausibility!.VolumeMlMax, scoring.Plausibility!.VolumeMlMax);

        // An ensemble averages outputs pixel by pixel: a model whose outputs sit elsewhere is refused, by name.
        var elsewhere = Path.Combine(folder, "elsewhere.zip");
        File.Copy(zip, elsewhere);
        new OutputShift(0.25, 0.25).WriteInto(elsewhere);
        var refused = Assert.Throws<ArgumentException>(() => ModelKind.Combine(context, [new FileInfo(zip), new FileInfo(elsewhere)], Path.Combine(folder, "ensemble.zip")));
        Assert.Contains("sit in different places", refused.Message);
        Assert.Contains(elsewhere, refused.Message);
        Assert.False(File.Exists(Path.Combine(folder, "ensemble.zip")));
        // Loaded, the zip says where its outputs sit; members within 0.05 network pixels of each other ensemble at their mean.
        var (elsewhereModel, elsewhereKind, _) = ModelKind.Load(context, new FileInfo(elsewhere));
        ((IDisposable)elsewhereModel).Dispose();
        Assert.Equal(new OutputShift(0.25, 0.25), elsewhereKind.SegmenterOptions().OutputShift);
        var near = Path.Combine(folder, "near.zip");
        File.Copy(zip, near);
        new OutputShift(0.27, 0.23).WriteInto(near);
        ModelKind.Combine(context, [new FileInfo(elsewhere), new FileInfo(near)], Path.Combine(folder, "ensemble.zip"));
        var mean = OutputShift.ReadFromModel(Path.Combine(folder, "ensemble.zip"));
        Assert.Equal((0.26, 0.24), (Math.Round(mean.X, 9), Math.Round(mean.Y, 9)));
        var onnx = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, VolumeTraining.OnnxFile)));
        Assert.Equal(1, onnx.Graph.Output.Single().Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Contains(onnx.MetadataProps, p => p.Key == Export.OneClassModel.MetadataKey && p.Value == "1");
        // The recipe as run is the recipe as given: one output, the context label; it validates as it is read back.
        var written = System.Text.Json.JsonSerializer.Deserialize<TrainingRecipe>(File.ReadAllText(Path.Combine(folder, VolumeTraining.RecipeFile)),
            new System.Text.Json.JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } })!;
        Assert.Equal([4], written.ContextLabels);
        Assert.Equal(1, written.Network.OutputClasses);
        written.Validate();

        // As bright as the organ, the neighbour is not taken for it.
        var segmentation = new VolumeSegmenter(context, model, kind.SliceOptions(), new VolumeSegmenterOptions { Threshold = kind.Threshold }).Segment("d", patients[3].Image);
        var label = patients[3].Label.Data;
        int neighbour = label.Count(v => v == 4), neighbourTaken = Enumerable.Range(0, label.Length).Count(i => label[i] == 4 && segmentation.RawMask.Voxels[i]);
        int organ = label.Count(v => v == 1), organTaken = Enumerable.Range(0, label.Length).Count(i => label[i] == 1 && segmentation.RawMask.Voxels[i]);
        Assert.True(neighbourTaken < 0.05 * neighbour, $"{neighbourTaken} of the neighbour's {neighbour} voxels taken for the organ");
        Assert.True(organTaken > 0.8 * organ, $"{organTaken} of the organ's {organ} voxels found");

        // The segmenter puts the probabilities back from where the options say the outputs sit: half a pixel right here,
        // so each voxel reads halfway between its own output and its left neighbour's.
        var moved = new VolumeSegmenter(context, model, kind.SliceOptions(), new VolumeSegmenterOptions { Threshold = kind.Threshold, OutputShift = new OutputShift(0.5, 0) })
            .Segment("d", patients[3].Image);
        var at = segmentation.Probabilities;
        for (int i = 0; i < at.Length; i++)
            if (i % 32 > 0)
                Assert.Equal(0.5f * (at[i - 1] + at[i]), moved.Probabilities[i], 5);
    }

    [Fact]
    public void ContextLabelsAreRefusedWhereTheyCannotBeLearned()
    {
        var patients = new[] { OrganAndNeighbour("a", 0), OrganAndNeighbour("b", 2) };
        var ofTheOrgan = TinyRecipe();
        ofTheOrgan.ContextLabels = [1];
        Assert.Contains("TrainingRecipe.ContextLabels [1]: Context label 1 is a label value of the organ itself",
            Assert.Throws<ArgumentException>(() => VolumeTraining.Run(new MLContext(1), ofTheOrgan, patients, new PatientFold(["a"], ["b"]),
                new VolumeTrainingOptions { OutputFolder = folder })).Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder)); // refused before anything is written
        Assert.Contains("learns context labels (4) around one organ",
            Assert.Throws<ArgumentException>(() => OrganTraining.Run(new MLContext(1), TinyRecipe(), patients, new PatientFold(["a"], ["b"]),
                OrganLabels.Parse("liver=1,spleen=4"), new VolumeTrainingOptions { OutputFolder = folder })).Message);
        Assert.Contains("one-organ mapping", Assert.Throws<ArgumentException>(() => OrganLabels.ChaosAbdomen.ToMapping().WithContext([5])).Message);

        // A label value no training label volume holds would train its class on empty masks: refused, naming what the volumes hold.
        var noContext = TinyRecipe();
        noContext.ContextLabels = [];
        Assert.Contains("Label value 9 occurs in none of the 1 training patients' label volumes, which hold the values 0, 1, 4",
            Assert.Throws<ArgumentException>(() => OrganTraining.Run(new MLContext(1), noContext, patients, new PatientFold(["a"], ["b"]),
                OrganLabels.Parse("liver=9,spleen=4"), new VolumeTrainingOptions { OutputFolder = folder })).Message);
        Assert.Contains("Label value 7 occurs in none",
            Assert.Throws<ArgumentException>(() => VolumeTraining.Run(new MLContext(1), noContext, patients, new PatientFold(["a"], ["b"]),
                new VolumeTrainingOptions { OutputFolder = folder, Labels = new LabelMapping(new Dictionary<int, int> { [7] = 1 }) })).Message);
        // A cross-validation checks every fold's training patients before the first fold trains.
        Assert.Contains("Label value 7 occurs in none of the 1 fold 1 training patients' label volumes",
            Assert.Throws<ArgumentException>(() => VolumeCrossValidation.Run(new MLContext(1), noContext, patients, 2, null,
                new VolumeTrainingOptions { OutputFolder = folder, Labels = new LabelMapping(new Dictionary<int, int> { [7] = 1 }) })).Message);
        // A network of several classes trained as one organ would fail only once trained: refused first.
        var severalClasses = TrainingRecipes.AbdomenMri();
        Assert.Contains("Recipe abdomen-mri's network has 5 output classes, a model of several organs: name its 4 organs",
            Assert.Throws<ArgumentException>(() => VolumeTraining.CheckRecipe(severalClasses)).Message);
        Assert.Contains("has 5 output classes", Assert.Throws<ArgumentException>(() => VolumeTraining.Run(new MLContext(1), severalClasses, patients,
            new PatientFold(["a"], ["b"]), new VolumeTrainingOptions { OutputFolder = folder })).Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        var mapping = LabelMapping.Liver.WithContext([4, 2]);
        Assert.Equal((1f, 2f, 3f, 0f), (mapping.Map(1), mapping.Map(4), mapping.Map(2), mapping.Map(3)));
    }

    [Fact]
    public void AContextLabelNoTrainingVolumeHoldsIsLearnedWithAWarning()
    {
        var patients = new[] { OrganAndNeighbour("a", 0), OrganAndNeighbour("b", 2) };
        var recipe = TinyRecipe();
        recipe.ContextLabels = [5];
        recipe.Trainer.Epochs = 1;
        var log = new StringWriter();
        VolumeTraining.Run(new MLContext(1), recipe, patients, new PatientFold(["a"], ["b"]), new VolumeTrainingOptions { OutputFolder = folder, Log = log });
        Assert.Contains("warning: context label 5 occurs in none of the training patients' label volumes: the network learns empty classes for them", log.ToString());
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
