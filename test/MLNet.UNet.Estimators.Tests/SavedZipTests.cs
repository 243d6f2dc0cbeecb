using Microsoft.ML;
using MLNet.UNet.Segment;
using MLNet.UNet.Transforms;

namespace MLNet.UNet.Tests;

/// <summary>Test-time flips as an option of the segment component, in a saved zip, and added to a saved zip afterwards; saved zips as an ensemble.</summary>
public sealed class SavedZipTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-flips-tests-").FullName;

    [Fact]
    public void FlipsFittedInAndFlipsAddedToASavedZipScoreAlikeAndSurviveSaving()
    {
        var rows = ShapePipeline.WriteImages(folder, 12, seed: 7);
        IDataView Data(MLContext context) => ShapePipeline.WithLabels(context, context.Data.LoadFromEnumerable(rows));

        var plainContext = new MLContext(seed: 3);
        using var plain = ShapePipeline.Pipeline(plainContext, ShapePipeline.TinyOptions(epochs: 2)).Fit(Data(plainContext));
        var plainZip = Path.Combine(folder, "plain.zip");
        plainContext.Model.Save(plain, Data(plainContext).Schema, plainZip);

        var flipsContext = new MLContext(seed: 3);
        var options = ShapePipeline.TinyOptions(epochs: 2);
        options.TestTimeFlips = true;
        using var flipped = ShapePipeline.Pipeline(flipsContext, options).Fit(Data(flipsContext));
        var expected = ShapePipeline.Column(flipped.Transform(Data(flipsContext)), "Probability");
        Assert.NotEqual(ShapePipeline.Column(plain.Transform(Data(plainContext)), "Probability"), expected);

        var flippedZip = Path.Combine(folder, "flipped.zip");
        flipsContext.Model.Save(flipped, Data(flipsContext).Schema, flippedZip);
        var added = Path.Combine(folder, "added.zip");
        SavedModelFlips.Write(plainZip, added);
        foreach (var zip in new[] { flippedZip, added })
        {
            var context = new MLContext { TempFilePath = folder };
            var loaded = context.Model.Load(zip, out _);
            using var resources = (IDisposable)loaded;
            var actual = ShapePipeline.Column(loaded.Transform(Data(context)), "Probability");
            Assert.All(expected.SelectMany(r => r).Zip(actual.SelectMany(r => r)), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1e-6));
        }
        Assert.Contains("already averages", Assert.Throws<InvalidDataException>(() => SavedModelFlips.Write(added, Path.Combine(folder, "twice.zip"))).Message);
    }

    [Fact]
    public void AnEnsembleOfTwoSavedZipsScoresTheMeanOfTheirProbabilities()
    {
        var rows = ShapePipeline.WriteImages(folder, 12, seed: 8);
        IDataView Data(MLContext context) => ShapePipeline.WithLabels(context, context.Data.LoadFromEnumerable(rows));
        var zips = new List<string>();
        var probabilities = new List<List<float[]>>();
        foreach (int seed in new[] { 4, 5 })
        {
            var context = new MLContext(seed: seed);
            using var model = ShapePipeline.Pipeline(context, ShapePipeline.TinyOptions(epochs: 2)).Fit(Data(context));
            probabilities.Add(ShapePipeline.Column(model.Transform(Data(context)), "Probability"));
            zips.Add(Path.Combine(folder, $"seed-{seed}.zip"));
            context.Model.Save(model, Data(context).Schema, zips[^1]);
        }
        var ensemble = Path.Combine(folder, "ensemble.zip");
        SavedModelEnsemble.Write(zips, ensemble);

        var loadContext = new MLContext { TempFilePath = folder };
        var loaded = loadContext.Model.Load(ensemble, out _);
        using var resources = (IDisposable)loaded;
        var actual = ShapePipeline.Column(loaded.Transform(Data(loadContext)), "Probability");
        var expected = probabilities[0].Zip(probabilities[1], (a, b) => a.Zip(b, (x, y) => (x + y) / 2).ToArray()).ToList();
        Assert.NotEqual(probabilities[0], probabilities[1]);
        Assert.All(expected.SelectMany(r => r).Zip(actual.SelectMany(r => r)), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1e-6));
    }

    [Fact]
    public void FlipsAreRefusedForATrainerThatDoesNotFlip()
    {
        var options = ShapePipeline.TinyOptions();
        options.TestTimeFlips = true;
        options.Trainer.Augmentation = new AugmentationOptions { AffineProbability = 0.5 };
        var error = Assert.Throws<ArgumentException>(() => new MLContext().Segmentation().UNetSegment(options));
        Assert.Contains("the trainer does not flip images", error.Message);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
