using Microsoft.ML;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Stress;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Recipes;
using Xunit.Abstractions;

namespace MLNet.UNet.Medical.Tests;

/// <summary>
/// Issue 24's failure, reproduced on shared patients: a model of the kind trained before the contrast-robust
/// augmentation misses a liver darkened to a quarter of its intensity, and the plausibility record flags it, while
/// the same patient as it is passes.
/// </summary>
public sealed class DarkLiverFlagTests(ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-dark-liver-").FullName;

    [SkippableFact]
    public void ADarkenedLiverIsFlaggedAndTheOrdinaryPatientIsNot()
    {
        var patients = PatientVolume.ReadFolder(SharedData.Require(), ["1", "2", "3", "8", "10", "20", "19"]);
        var recipe = TrainingRecipes.LiverMriBasicIntensity();
        recipe.Network.Depth = 3;
        recipe.Network.BaseFilters = 8;
        recipe.ImageSize = 64;
        recipe.Trainer.Epochs = 15;
        recipe.Trainer.TimeBudget = null;
        recipe.Trainer.WeightAveragingDecay = null;
        var context = new MLContext(seed: 1);
        var training = new PatientFold(["1", "2", "3", "8", "10", "20"], []);
        var result = VolumeTraining.Run(context, recipe, patients, training, new VolumeTrainingOptions { OutputFolder = folder });
        output.WriteLine($"record: {result.Plausibility}");
        Assert.Equal(new InputGeometry("LAS", 320, 320), result.Plausibility!.Geometry! with
        {
            FieldOfViewMinMm = Math.Round(result.Plausibility.Geometry.FieldOfViewMinMm), FieldOfViewMaxMm = Math.Round(result.Plausibility.Geometry.FieldOfViewMaxMm),
        });

        var modelPath = Path.Combine(folder, VolumeTraining.ModelFile);
        using var model = (IDisposable)context.Model.Load(modelPath, out _);
        // 256 x 256 slices shrunk to 64 by nearest neighbour: the labels sit an eighth of a network pixel below and right.
        var shift = OutputShift.ReadFromModel(modelPath);
        Assert.Equal(new OutputShift(0.125, 0.125), shift);
        var segmenter = new VolumeSegmenter(context, (ITransformer)model, SliceLoaderOptions.FromRecipe(recipe, training: false),
            new VolumeSegmenterOptions { PostProcess = true, OutputShift = shift, Plausibility = Plausibility.PlausibilityRecord.ReadFromModel(modelPath) });
        var ordinary = patients.Single(p => p.PatientId == "19");
        var dark = new ScaledStructures("liver x0.25", 0.25f, 1).Apply(ordinary);

        var asItIs = segmenter.Segment("19", ordinary.Image);
        var darkened = segmenter.Segment("19 darkened", dark.Image);
        output.WriteLine($"as it is: {asItIs.Statistics}, warnings: {string.Join("; ", asItIs.Warnings)}");
        output.WriteLine($"darkened: {darkened.Statistics}, warnings: {string.Join("; ", darkened.Warnings)}");
        Assert.Empty(asItIs.Warnings);
        Assert.NotEmpty(darkened.Warnings);

        // A mask returned raw is checked as it would be post-processed, as the record was made: against a record whose
        // range ends between the two masks' volumes (above the post-processed one when islands make the raw mask larger,
        // below it when filled holes make it smaller), the raw mask flags nothing; a warning about it says how it was measured.
        var rawStatistics = OrganStatistics.Of(asItIs.RawMask, asItIs.Probabilities);
        double rawMl = rawStatistics.VolumeMl, postProcessedMl = asItIs.Statistics.VolumeMl, middle = (rawMl + postProcessedMl) / 2;
        Assert.True(rawMl != postProcessedMl, $"post-processing was expected to change the mask: {rawStatistics} against {asItIs.Statistics}");
        var between = (rawMl > postProcessedMl
            ? new PlausibilityRecord(1, 0, middle / PlausibilityRecord.LargeFactor, double.MaxValue, 0)
            : new PlausibilityRecord(1, middle / PlausibilityRecord.SmallFactor, double.MaxValue, double.MaxValue, 0)) with { Geometry = result.Plausibility.Geometry };
        Assert.NotEmpty(between.Check(rawStatistics));
        VolumeSegmentation RawAgainst(PlausibilityRecord record) => new VolumeSegmenter(context, (ITransformer)model, SliceLoaderOptions.FromRecipe(recipe, training: false),
            new VolumeSegmenterOptions { PostProcess = false, OutputShift = shift, Plausibility = record }).Segment("19", ordinary.Image);
        var raw = RawAgainst(between);
        Assert.Equal(rawStatistics, raw.Statistics); // reported as returned
        Assert.Empty(raw.Warnings);
        Assert.EndsWith("(measured post-processed, as the record was)", Assert.Single(RawAgainst(between with { VolumeMlMin = 4 * postProcessedMl }).Warnings));

        // The same patient stored the other way up (rows reversed, the sform saying so) is turned back to be scored: its
        // mask is the ordinary one's, upside down, and nothing is flagged.
        var header = ordinary.Image.Header!;
        var sform = (double[])header.SForm.Clone();
        for (int row = 0; row < 3; row++)
            sform[row * 4 + 3] += sform[row * 4 + 1] * (ordinary.Image.SizeY - 1);
        for (int row = 0; row < 3; row++)
            sform[row * 4 + 1] = -sform[row * 4 + 1];
        var turned = UpsideDown(ordinary.Image, header with { SForm = sform, QFormCode = 0 });
        var upsideDown = segmenter.Segment("19 turned", turned);
        output.WriteLine($"turned: {upsideDown.Statistics}, warnings: {string.Join("; ", upsideDown.Warnings)}");
        Assert.Equal("LPS", upsideDown.ReorientedFrom);
        Assert.Null(asItIs.ReorientedFrom);
        Assert.Empty(upsideDown.Warnings);
        Assert.Equal(asItIs.Statistics, upsideDown.Statistics);
        Assert.Equal(UpsideDown(ordinary.Image.WithData(Array.ConvertAll(asItIs.Mask.Voxels, v => v ? 1f : 0f)), header).Data,
            Array.ConvertAll(upsideDown.Mask.Voxels, v => v ? 1f : 0f));
        Assert.Same(turned.Header, upsideDown.ToLabelVolume().Header);
        Assert.Equal(UpsideDown(ordinary.Image.WithData(asItIs.Probabilities), header).Data, upsideDown.Probabilities);
        Assert.Equal(UpsideDown(ordinary.Image.WithData(Array.ConvertAll(asItIs.RawMask.Voxels, v => v ? 1f : 0f)), header).Data,
            Array.ConvertAll(upsideDown.RawMask.Voxels, v => v ? 1f : 0f));

        // The same patient in slices twice as wide (its 320 mm padded to 640 mm): shrunk whole to the network's input, it
        // would show the anatomy at half the training's size; scored in a window of 320 mm around the body, its mask is the ordinary one.
        var wide = Padded(ordinary.Image, 128);
        var windowed = segmenter.Segment("19 wide", wide);
        var shrunk = new VolumeSegmenter(context, (ITransformer)model, SliceLoaderOptions.FromRecipe(recipe, training: false), new VolumeSegmenterOptions
        {
            PostProcess = true, OutputShift = shift, Plausibility = Plausibility.PlausibilityRecord.ReadFromModel(modelPath)! with { Geometry = null },
        }).Segment("19 wide", wide);
        double windowedDice = Dice(asItIs.Mask.Voxels, Cropped(windowed.Mask.Voxels, wide, 128)), shrunkDice = Dice(asItIs.Mask.Voxels, Cropped(shrunk.Mask.Voxels, wide, 128));
        output.WriteLine($"640 mm slices: Dice with the ordinary mask {windowedDice:F4} in a window, {shrunkDice:F4} shrunk whole; {windowed.FieldOfViewMatched}");
        Assert.Equal("a slice spans 640 x 640 mm: scored in a window of 320 x 320 mm around the body", windowed.FieldOfViewMatched);
        Assert.Null(asItIs.FieldOfViewMatched);
        // Nothing is implausible about the windowed liver. This small model's mask reaches the slice's border, as stored and
        // so in the window too, which the window warns of: the organ may go on outside it.
        int ordinaryOnBorder = Enumerable.Range(0, asItIs.Mask.Voxels.Length).Count(i => asItIs.Mask.Voxels[i] && (i % 256 is 0 or 255 || i / 256 % 256 is 0 or 255));
        output.WriteLine($"ordinary mask voxels on the slice's border: {ordinaryOnBorder}; windowed warnings: {string.Join("; ", windowed.Warnings)}");
        Assert.All(windowed.Warnings, w => Assert.StartsWith("the mask reaches the edge of the 320 x 320 mm window it was scored in", w));
        Assert.Equal(ordinaryOnBorder > 0, windowed.Warnings.Count > 0);
        Assert.True(windowedDice > 0.95, $"windowed Dice {windowedDice:F4}");
        Assert.True(windowedDice > shrunkDice + 0.05, $"windowed {windowedDice:F4}, shrunk {shrunkDice:F4}");

        // The stress test carries the same flags per shift, and says which shift changed nothing (no structure 9 here).
        var stress = StressTest.Run(segmenter, [ordinary], [new ScaledStructures("liver x0.25", 0.25f, 1), new ScaledStructures("structure 9 x0.5", 0.5f, 9)]);
        output.WriteLine(StressTest.ToTable(stress));
        Assert.Equal([StressTest.Unshifted, "liver x0.25", "structure 9 x0.5"], stress.Select(r => r.Shift));
        Assert.Empty(stress[0].FlaggedPatients);
        Assert.Equal(["19"], stress[1].FlaggedPatients);
        Assert.Empty(stress[1].UnchangedPatients);
        Assert.Equal(["19"], stress[2].UnchangedPatients);
        Assert.Equal(stress[0].Report.Raw["Dice"].Mean, stress[2].Report.Raw["Dice"].Mean, 12);
    }

    static Volumes.Volume UpsideDown(Volumes.Volume image, Nifti.NiftiHeader header)
    {
        var data = new float[image.Data.Length];
        for (int z = 0; z < image.SizeZ; z++)
            for (int y = 0; y < image.SizeY; y++)
                Array.Copy(image.Data, (z * image.SizeY + y) * image.SizeX, data, (z * image.SizeY + image.SizeY - 1 - y) * image.SizeX, image.SizeX);
        return new Volumes.Volume(data, image.SizeX, image.SizeY, image.SizeZ, image.SpacingX, image.SpacingY, image.SpacingZ, header);
    }

    static Volumes.Volume Padded(Volumes.Volume image, int margin)
    {
        int sizeX = image.SizeX + 2 * margin, sizeY = image.SizeY + 2 * margin;
        var data = new float[sizeX * sizeY * image.SizeZ];
        Array.Fill(data, image.Data.Min());
        for (int z = 0; z < image.SizeZ; z++)
            for (int y = 0; y < image.SizeY; y++)
                Array.Copy(image.Data, (z * image.SizeY + y) * image.SizeX, data, (z * sizeY + y + margin) * sizeX + margin, image.SizeX);
        return new Volumes.Volume(data, sizeX, sizeY, image.SizeZ, image.SpacingX, image.SpacingY, image.SpacingZ);
    }

    static bool[] Cropped(bool[] voxels, Volumes.Volume padded, int margin)
    {
        int sizeX = padded.SizeX - 2 * margin, sizeY = padded.SizeY - 2 * margin;
        var result = new bool[sizeX * sizeY * padded.SizeZ];
        for (int z = 0; z < padded.SizeZ; z++)
            for (int y = 0; y < sizeY; y++)
                Array.Copy(voxels, (z * padded.SizeY + y + margin) * padded.SizeX + margin, result, (z * sizeY + y) * sizeX, sizeX);
        return result;
    }

    static double Dice(bool[] a, bool[] b) => 2.0 * a.Zip(b).Count(p => p.First && p.Second) / (a.Count(v => v) + b.Count(v => v));

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
