using System.Diagnostics;
using Microsoft.ML;
using MLNet.UNet.Segment;
using Xunit.Abstractions;

namespace MLNet.UNet.Tests;

/// <summary>One loaded model under concurrent load, and a soak of predictions and training epochs.</summary>
public sealed class LoadAndSoakTests(ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-load-tests-").FullName;

    (ITransformer Model, MLContext Context, List<ImageRow> Rows) LoadedModel()
    {
        var rows = ShapePipeline.WriteImages(folder, 16, seed: 8);
        var context = new MLContext(seed: 2);
        var data = ShapePipeline.WithLabels(context, context.Data.LoadFromEnumerable(rows));
        using var model = ShapePipeline.Pipeline(context, ShapePipeline.TinyOptions(epochs: 2)).Fit(data);
        var zip = Path.Combine(folder, "model.zip");
        context.Model.Save(model, context.Data.LoadFromEnumerable(rows).Schema, zip);
        var scoring = new MLContext();
        return (SavedModelLoader.Load(scoring, zip, out _), scoring, rows);
    }

    [Fact]
    public async Task EightThreadsScoringOneLoadedModelGetSingleThreadedResults()
    {
        var (model, context, rows) = LoadedModel();
        using var modelResources = (IDisposable)model;
        var engine = context.Model.CreatePredictionEngine<ImageRow, Mask>(model);
        var expected = rows.Select(r => engine.Predict(r).PredictedMask).ToList();
        var shared = context.Data.LoadFromEnumerable(rows);

        var perThreadEngines = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            var own = context.Model.CreatePredictionEngine<ImageRow, Mask>(model);
            return Enumerable.Range(0, 3).SelectMany(_ => rows.Select(r => own.Predict(r).PredictedMask)).ToList();
        })).ToArray();
        var sharedTransforms = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            ShapePipeline.Column(model.Transform(shared), "PredictedMask"))).ToArray();
        await Task.WhenAll([.. perThreadEngines, .. sharedTransforms]);

        foreach (var task in perThreadEngines)
            Assert.Equal(expected.Concat(expected).Concat(expected), await task);
        foreach (var task in sharedTransforms)
            Assert.Equal(expected, await task);
    }

    [Fact]
    public void TwoThousandPredictionsKeepResidentMemoryFlat()
    {
        var (model, context, rows) = LoadedModel();
        using var modelResources = (IDisposable)model;
        var engine = context.Model.CreatePredictionEngine<ImageRow, Mask>(model);
        long Resident()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return Process.GetCurrentProcess().WorkingSet64;
        }
        for (int i = 0; i < 200; i++)
            engine.Predict(rows[i % rows.Count]);
        long before = Resident();
        for (int i = 0; i < 2000; i++)
            engine.Predict(rows[i % rows.Count]);
        long after = Resident();
        output.WriteLine($"resident memory after 200 predictions {before >> 20} MB, after 2,200 {after >> 20} MB");
        Assert.True(after - before < 64L << 20, $"resident memory grew by {(after - before) >> 20} MB over 2,000 predictions");
    }

    sealed class Mask
    {
        public float[] PredictedMask { get; set; } = [];
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
