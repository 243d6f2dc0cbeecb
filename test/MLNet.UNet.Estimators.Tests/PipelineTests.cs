using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using Xunit.Abstractions;

namespace MLNet.UNet.Tests;

/// <summary>The whole pipeline on PNG files: fit, score, save, and load in a separate process.</summary>
public sealed class PipelineTests(ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-pipeline-tests-").FullName;

    [Fact]
    public void FittedPipelineSegmentsAndASeparateProcessScoresTheSavedZipIdentically()
    {
        var context = new MLContext(seed: 1);
        var log = new List<string>();
        context.Log += (_, e) => { if (e.Source.Contains(nameof(UNetSegmentEstimator))) log.Add(e.RawMessage); };
        var rows = ShapePipeline.WriteImages(Path.Combine(folder, "train"), 64, seed: 1);
        var testRows = ShapePipeline.WriteImages(Path.Combine(folder, "test"), 8, seed: 2);
        var training = ShapePipeline.WithLabels(context, context.Data.LoadFromEnumerable(rows));
        var progressReports = 0;
        var options = ShapePipeline.TinyOptions(epochs: 12);
        options.Progress = _ => progressReports++;

        using var model = ShapePipeline.Pipeline(context, options).Fit(training);
        var segment = model.OfType<UNetSegmentTransformer>().Single();
        Assert.Equal(12, segment.TrainingHistory.Count);
        Assert.True(progressReports > 12);
        Assert.Contains(log, m => m.StartsWith("Epoch 12/12"));

        var testData = context.Data.LoadFromEnumerable(testRows);
        var scored = model.Transform(ShapePipeline.WithLabels(context, testData));
        var predicted = ShapePipeline.Column(scored, "PredictedMask");
        var truth = ShapePipeline.Column(scored, "Label");
        double dice = ShapePipeline.MeanDice(predicted, truth);
        output.WriteLine($"held-out Dice {dice:F3}; validation Dice per epoch: " +
                         string.Join(", ", segment.TrainingHistory.Select(e => e.ValidationDice?.ToString("F3"))));
        Assert.True(dice > 0.8, $"held-out Dice {dice:F3}");
        Assert.All(predicted, mask => Assert.All(mask, v => Assert.True(v == 0f || v == 1f)));

        var zip = Path.Combine(folder, "model.zip");
        context.Model.Save(model, testData.Schema, zip);
        Assert.Empty(Directory.GetFiles(folder, "*.onnx", SearchOption.AllDirectories));

        var loaded = context.Model.Load(zip, out _);
        using var loadedResources = (IDisposable)loaded;
        Assert.Contains(((IEnumerable<ITransformer>)loaded), t => t is OnnxTransformer);
        Assert.Equal(predicted, ShapePipeline.Column(loaded.Transform(testData), "PredictedMask"));

        var probabilities = ShapePipeline.Column(model.Transform(testData), "Probability");
        Assert.Equal(probabilities, SeparateProcess.Score(output, folder, zip, "Probability", testRows));
        Assert.Equal(predicted, SeparateProcess.Score(output, folder, zip, "PredictedMask", testRows));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
