using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet.Tests;

/// <summary>
/// ML.NET's OnnxTransformer keeps its model in a temporary file (in <see cref="MLContext.TempFilePath"/>) until it is
/// disposed; the components made of it must leave none behind once disposed.
/// </summary>
public sealed class TemporaryFileTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-temporary-file-tests-").FullName;

    sealed class Probabilities
    {
        [VectorType(1, 1, 2, 2)] public float[] Probability { get; set; } = [];
    }

    string[] TemporaryFiles(MLContext context) => Directory.GetFiles(context.TempFilePath);

    // The folder does not exist yet: the transformers make it when they write their model file.
    MLContext ContextWithOwnTemporaryFolder() => new(seed: 1) { TempFilePath = Path.Combine(folder, "temporary") };

    [Fact]
    public void DisposingAThresholdRemovesItsTemporaryModelFile()
    {
        var context = ContextWithOwnTemporaryFolder();
        var data = context.Data.LoadFromEnumerable([new Probabilities { Probability = [0.2f, 0.4f, 0.6f, 0.8f] }]);
        var transformer = context.Segmentation().Threshold("Mask", "Probability").Fit(data);
        Assert.NotEmpty(TemporaryFiles(context));

        transformer.Dispose();

        Assert.Empty(TemporaryFiles(context));
    }

    [Fact]
    public void DisposingAFittedOrLoadedPipelineRemovesEveryTemporaryModelFile()
    {
        var context = ContextWithOwnTemporaryFolder();
        var rows = ShapePipeline.WriteImages(Path.Combine(folder, "images"), 10, seed: 4);
        var data = ShapePipeline.WithLabels(context, context.Data.LoadFromEnumerable(rows));
        var model = ShapePipeline.Pipeline(context, ShapePipeline.TinyOptions(epochs: 1)).Fit(data);
        Assert.NotEmpty(TemporaryFiles(context));
        var zip = Path.Combine(folder, "model.zip");
        context.Model.Save(model, data.Schema, zip);

        model.Dispose();

        Assert.Empty(TemporaryFiles(context));
        var scoring = new MLContext { TempFilePath = context.TempFilePath };
        var loaded = scoring.Model.Load(zip, out _);
        Assert.NotEmpty(TemporaryFiles(context));
        Assert.IsAssignableFrom<IDisposable>(loaded).Dispose();
        Assert.Empty(TemporaryFiles(context));
    }

    [SkippableFact]
    public void AThresholdNeverDisposedRemovesItsTemporaryModelFileWhenCollected()
    {
        Skip.If(OperatingSystem.IsWindows(), "On Windows ML.NET still holds the model file open when the finalizer runs, so it stays.");
        var context = ContextWithOwnTemporaryFolder();
        var forgotten = FitAndForgetThreshold(context);

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.False(forgotten.IsAlive, "The test itself still holds the transformer.");
        Assert.Empty(TemporaryFiles(context));
    }

    // In a method of its own so that no local of the test keeps the transformer reachable.
    [MethodImpl(MethodImplOptions.NoInlining)]
    WeakReference FitAndForgetThreshold(MLContext context)
    {
        var data = context.Data.LoadFromEnumerable([new Probabilities { Probability = [0.2f, 0.4f, 0.6f, 0.8f] }]);
        var transformer = context.Segmentation().Threshold("Mask", "Probability").Fit(data);
        Assert.Equal([0f, 0f, 1f, 1f], transformer.Transform(data).GetColumn<float[]>("Mask").Single());
        Assert.NotEmpty(TemporaryFiles(context));
        return new WeakReference(transformer);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
