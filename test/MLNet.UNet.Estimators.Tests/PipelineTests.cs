using System.Diagnostics;
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
        Assert.Equal(probabilities, ScoreInSeparateProcess(zip, "Probability", testRows));
        Assert.Equal(predicted, ScoreInSeparateProcess(zip, "PredictedMask", testRows));
    }

    List<float[]> ScoreInSeparateProcess(string zip, string column, List<ImageRow> rows)
    {
        var scores = Path.Combine(folder, $"scores-{column}.bin");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { ScoringProcessPath(), zip, column, scores }.Concat(rows.Select(r => r.ImagePath)))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "the scoring process did not finish in 2 minutes");
        output.WriteLine(stdout.Result + stderr.Result);
        Assert.True(process.ExitCode == 0, $"scoring process exit code {process.ExitCode}: {stderr.Result}");
        var bytes = File.ReadAllBytes(scores);
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        int perRow = values.Length / rows.Count;
        return Enumerable.Range(0, rows.Count).Select(r => values[(r * perRow)..((r + 1) * perRow)]).ToList();
    }

    // The console project in test/ScoringProcess, built beside this one (same configuration and layout).
    static string ScoringProcessPath()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var layout = new List<string>();
        var folder = here;
        while (folder is not null && folder.Name != "bin")
        {
            layout.Insert(0, folder.Name);
            folder = folder.Parent;
        }
        Assert.NotNull(folder);
        var path = Path.Combine([folder.Parent!.Parent!.FullName, "ScoringProcess", "bin", .. layout, "ScoringProcess.dll"]);
        Assert.True(File.Exists(path), $"ScoringProcess was not built at {path}");
        return path;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
