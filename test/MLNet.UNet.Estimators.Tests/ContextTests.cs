using MLNet.UNet.Segment;
using Microsoft.ML;

namespace MLNet.UNet.Tests;

/// <summary>The MLContext's seed, log and cancellation reach the U-Net training.</summary>
public sealed class ContextTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-context-tests-").FullName;

    [Fact]
    public void SameMLContextSeedGivesTheSameModelAndAnotherSeedAnotherModel()
    {
        var rows = ShapePipeline.WriteImages(folder, 16, seed: 3);
        byte[] Fit(int seed)
        {
            var context = new MLContext(seed);
            var data = ShapePipeline.WithLabels(context, context.Data.LoadFromEnumerable(rows));
            using var model = ShapePipeline.Pipeline(context, ShapePipeline.TinyOptions(epochs: 2)).Fit(data);
            return model.OfType<UNetSegmentTransformer>().Single().GetOnnxModel();
        }
        var first = Fit(7);
        Assert.Equal(first, Fit(7));
        Assert.NotEqual(first, Fit(8));
    }

    [Fact]
    public void CancellationTokenStopsTraining()
    {
        var rows = ShapePipeline.WriteImages(folder, 16, seed: 4);
        var context = new MLContext(1);
        var data = ShapePipeline.WithLabels(context, context.Data.LoadFromEnumerable(rows));
        using var cancellation = new CancellationTokenSource();
        var options = ShapePipeline.TinyOptions(epochs: 1000);
        options.CancellationToken = cancellation.Token;
        int steps = 0;
        options.Progress = _ => { if (++steps == 3) cancellation.Cancel(); };
        Assert.ThrowsAny<OperationCanceledException>(() => ShapePipeline.Pipeline(context, options).Fit(data));
        Assert.Equal(3, steps);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
