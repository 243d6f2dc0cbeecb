using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.UNet.Images;
using MLNet.UNet.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace MLNet.UNet.Cli.Tests;

/// <summary>train -> evaluate -> predict -> export -> info on synthetic PNGs, and resume after an interruption (on the same data only).</summary>
public sealed class ToolWorkflowTests(ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-cli-tests-").FullName;

    string In(string name) => Path.Combine(folder, name);

    static readonly string[] Small = ["--size", "32", "--depth", "2", "--base-filters", "8", "--batch-size", "8", "--augment", "none"];

    [Fact]
    public void TrainEvaluatePredictExportInfo()
    {
        SyntheticShapeImages.WritePngs(In("train"), 40, 48, 48, seed: 1);
        SyntheticShapeImages.WritePngs(In("test"), 6, 48, 48, seed: 2);

        var train = ToolRun.Of(["train", "--images", In("train"), "--output", In("model"), "--epochs", "3", .. Small]);
        Assert.True(train.ExitCode == 0, train.ToString());
        foreach (var file in new[] { "model.zip", "model.onnx", "metrics.json", "training-curve.png", "checkpoint.ckpt" })
            Assert.True(File.Exists(Path.Combine(In("model"), file)), $"{file} missing\n{train}");
        Assert.Contains("epoch 3/3", train.Output);

        var evaluate = ToolRun.Of("evaluate", "--model", Path.Combine(In("model"), "model.zip"), "--images", In("test"), "--json", In("test.json"));
        Assert.True(evaluate.ExitCode == 0, evaluate.ToString());
        Assert.Contains("mean ± sd", evaluate.Output);
        double dice;
        using (var json = JsonDocument.Parse(File.ReadAllText(In("test.json"))))
            Assert.InRange(dice = json.RootElement.GetProperty("MeanDice").GetDouble(), 0, 1);
        // An ensemble of a model with itself averages equal probabilities: the same masks.
        var ensemble = ToolRun.Of("evaluate", "--model", Path.Combine(In("model"), "model.zip"), "--model", Path.Combine(In("model"), "model.zip"),
            "--images", In("test"), "--json", In("ensemble.json"));
        Assert.True(ensemble.ExitCode == 0, ensemble.ToString());
        using (var json = JsonDocument.Parse(File.ReadAllText(In("ensemble.json"))))
            Assert.Equal(dice, json.RootElement.GetProperty("MeanDice").GetDouble(), 6);

        var predict = ToolRun.Of("predict", "--model", Path.Combine(In("model"), "model.zip"), "--images", In("test"), "--output", In("pred"), "--overlay");
        Assert.True(predict.ExitCode == 0, predict.ToString());
        var masks = Directory.GetFiles(In("pred"), "*_pred.png");
        Assert.Equal(6, masks.Length);
        using (var mask = Microsoft.ML.Data.MLImage.CreateFromFile(masks[0]))
            Assert.Equal((48, 48), (mask.Width, mask.Height));
        var overlays = Directory.GetFiles(In("pred"), "*_overlay.png");
        Assert.Equal(6, overlays.Length);
        // Drawn on the image as it is (48 x 48), not at the network's 32 x 32.
        using (var drawn = Microsoft.ML.Data.MLImage.CreateFromFile(overlays[0]))
            Assert.Equal((48, 48), (drawn.Width, drawn.Height));

        // --threshold replaces the zip's: a low one marks more pixels than a high one, and the report says which was used.
        long Foreground(string threshold)
        {
            var run = ToolRun.Of("predict", "--model", Path.Combine(In("model"), "model.zip"), "--images", In("test"), "--output", In($"pred-{threshold}"), "--threshold", threshold);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains($"Foreground above a probability of {threshold} (--threshold; the model's own: 0.5)", run.Output);
            return Directory.GetFiles(In($"pred-{threshold}"), "*_pred.png").Sum(path =>
            {
                using var mask = Microsoft.ML.Data.MLImage.CreateFromFile(path);
                return (long)mask.Pixels.ToArray().Count(p => p != 0);
            });
        }
        Assert.True(Foreground("0.05") > Foreground("0.95"));
        var thresholded = ToolRun.Of("evaluate", "--model", Path.Combine(In("model"), "model.zip"), "--images", In("test"), "--threshold", "0.3", "--json", In("threshold.json"));
        Assert.True(thresholded.ExitCode == 0, thresholded.ToString());
        using (var json = JsonDocument.Parse(File.ReadAllText(In("threshold.json"))))
            Assert.Equal(0.3, json.RootElement.GetProperty("Threshold").GetDouble(), 6);
        var outside = ToolRun.Of("evaluate", "--model", Path.Combine(In("model"), "model.zip"), "--images", In("test"), "--threshold", "1");
        Assert.True(outside.ExitCode == 1, outside.ToString());
        Assert.Contains("--threshold must be in (0, 1), got 1.", outside.Error);

        var export = ToolRun.Of("export", "--checkpoint", Path.Combine(In("model"), "checkpoint.ckpt"), "--size", "32", "--output", In("export"));
        Assert.True(export.ExitCode == 0, export.ToString());
        var info = ToolRun.Of("info", Path.Combine(In("export"), "model.zip"));
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("threshold: 0.5", info.Output);
        Assert.Contains("\"Depth\":2", info.Output);
        var onnxInfo = ToolRun.Of("info", Path.Combine(In("model"), "model.onnx"));
        Assert.Contains("input Features: [N, 1, 32, 32]", onnxInfo.Output);
    }

    [Fact]
    public void ResumeAfterAnInterruptionGivesTheSameModelAsAnUninterruptedRun()
    {
        // A run killed once its checkpoint holds 2 of 30 epochs, then resumed, must equal a straight run: same losses,
        // best epoch and saved model. Every run is a child process with one libtorch thread, because results depend
        // on the thread count and --threads would stay set in this process. An epoch here takes milliseconds: the 28
        // after the second leave the poll below room to fall behind on a loaded machine before the run ends.
        SyntheticShapeImages.WritePngs(In("train"), 24, 32, 32, seed: 3);
        const int epochs = 30;
        string[] arguments = ["train", "--images", In("train"), "--validation", "0.25", "--epochs", $"{epochs}", "--threads", "1", .. Small];

        var straight = Tool([.. arguments, "--output", In("straight")]);
        Assert.True(straight.ExitCode == 0, straight.ToString());
        Assert.Equal(epochs, CompletedEpochs(In("straight"))); // also loads libtorch here before the polling below

        var epochsAtKill = KillOnceCheckpointHolds(2, [.. arguments, "--output", In("interrupted")]);
        output.WriteLine($"killed with {epochsAtKill} of {epochs} epochs in the checkpoint");
        Assert.InRange(epochsAtKill, 2, epochs - 1); // else the run had finished before the kill
        // Another seed draws another validation split: resuming on it is refused, and leaves the run as it was.
        var interrupted = Fingerprint(In("interrupted"));
        var otherData = Tool([.. arguments, "--output", In("interrupted"), "--resume", "--seed", "2"]);
        Assert.True(otherData.ExitCode == 1, otherData.ToString());
        Assert.Contains("which was trained on other data: --seed was 1, now 2", otherData.Error);
        Assert.Equal(interrupted, Fingerprint(In("interrupted")));
        // So is resuming on a copy of the folder in which a mask was redrawn, a pair added and one removed: each named,
        // and the folder's other path is not a difference (the files stand in for it).
        foreach (var file in Directory.GetFiles(In("train")))
            File.Copy(file, Path.Combine(Directory.CreateDirectory(In("moved")).FullName, Path.GetFileName(file)));
        File.Copy(In("moved/shape_006_mask.png"), In("moved/shape_005_mask.png"), overwrite: true);
        File.Copy(In("moved/shape_000.png"), In("moved/shape_100.png"));
        File.Copy(In("moved/shape_000_mask.png"), In("moved/shape_100_mask.png"));
        File.Delete(In("moved/shape_023.png"));
        File.Delete(In("moved/shape_023_mask.png"));
        string[] moved = [.. arguments.Select(a => a == In("train") ? In("moved") : a), "--output", In("interrupted"), "--resume"];
        var otherFiles = Tool(moved);
        Assert.True(otherFiles.ExitCode == 1, otherFiles.ToString());
        Assert.Contains("images added since the run: shape_100.png; images removed since the run: shape_023.png; " +
                        "images changed (the image or its mask) since the run: shape_005.png.", otherFiles.Error);
        Assert.DoesNotContain("--images/--volumes was", otherFiles.Error);
        Assert.Equal(interrupted, Fingerprint(In("interrupted")));
        // So is resuming with another network, or other training settings, which the checkpoint's would silently
        // replace: each setting that differs is named with both values.
        var otherNetwork = Tool([.. arguments, "--output", In("interrupted"), "--resume", "--deep-supervision", "1"]);
        Assert.True(otherNetwork.ExitCode == 1, otherNetwork.ToString());
        Assert.Contains("UNetOptions.DeepSupervisionOutputs: checkpoint 0, asked 1", otherNetwork.Error);
        Assert.Equal(interrupted, Fingerprint(In("interrupted"))); // its recipe.json too
        // A run from before its data options were recorded: a resume the checkpoint refuses records none.
        File.Move(In("interrupted/training-data.json"), In("training-data.json.kept"));
        Assert.Contains("UNetOptions.DeepSupervisionOutputs: checkpoint 0, asked 1", Tool([.. arguments, "--output", In("interrupted"), "--resume", "--deep-supervision", "1"]).Error);
        Assert.False(File.Exists(In("interrupted/training-data.json")));
        File.Move(In("training-data.json.kept"), In("interrupted/training-data.json"));
        var otherTraining = Tool([.. arguments, "--output", In("interrupted"), "--resume", "--learning-rate", "0.0123", "--weight-averaging", "0.9"]);
        Assert.True(otherTraining.ExitCode == 1, otherTraining.ToString());
        Assert.Contains("TrainerOptions.LearningRate: checkpoint ", otherTraining.Error);
        Assert.Contains(", asked 0.0123", otherTraining.Error);
        Assert.Contains("TrainerOptions.WeightAveragingDecay: checkpoint null, asked 0.9", otherTraining.Error);
        Assert.Contains($"--recipe {In("interrupted/recipe.json")} (the recipe the run was trained with)", otherTraining.Error);
        Assert.Equal(interrupted, Fingerprint(In("interrupted")));
        // The run's own recipe.json gives every setting the checkpoint was trained with, without the flags. Its data
        // record is made one from before the files were fingerprinted: the folder alone is compared, and said.
        var record = JsonNode.Parse(File.ReadAllText(In("interrupted/training-data.json")))!.AsObject();
        Assert.True(record.Remove("Files"));
        File.WriteAllText(In("interrupted/training-data.json"), record.ToJsonString());
        var resumed = Tool(["train", "--images", In("train"), "--threads", "1", "--recipe", In("interrupted/recipe.json"), "--output", In("interrupted"), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"Resuming from {In("interrupted/checkpoint.ckpt")}", resumed.Output);
        Assert.Contains("has no fingerprints of its image and mask files; they are compared by folder alone", resumed.Output);
        Assert.Equal(24, JsonNode.Parse(File.ReadAllText(In("interrupted/training-data.json")))!["Files"]!.AsObject().Count);

        using (var expected = Metrics(In("straight")))
        using (var actual = Metrics(In("interrupted")))
        {
            Assert.Equal(Losses(expected), Losses(actual));
            Assert.Equal(expected.RootElement.GetProperty("BestEpoch").GetInt32(), actual.RootElement.GetProperty("BestEpoch").GetInt32());
            Assert.Equal(expected.RootElement.GetProperty("BestValidationDice").GetDouble(), actual.RootElement.GetProperty("BestValidationDice").GetDouble());
        }
        Assert.Equal(OnnxOutputs(In("straight/model.onnx")), OnnxOutputs(In("interrupted/model.onnx")), (e, a) => Math.Abs(e - a) <= 1e-5f);
        Assert.Empty(Directory.GetFiles(In("interrupted"), ".*.tmp*"));
    }

    ToolRun Tool(params string[] args) => ToolProcess.Run(In("tmp"), args);

    // Kills the run as soon as its checkpoint holds `epochs` epochs; returns how many it holds once the run is dead.
    int KillOnceCheckpointHolds(int epochs, string[] arguments)
    {
        var outputFolder = arguments[Array.IndexOf(arguments, "--output") + 1];
        using (var tool = ToolProcess.Start(In("tmp"), arguments))
        {
            var clock = Stopwatch.StartNew();
            while (!tool.HasExited && EpochsSoFar(outputFolder) < epochs)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"The run wrote no checkpoint of {epochs} epochs in a minute.");
                Thread.Sleep(5);
            }
            tool.Kill();
        }
        return CompletedEpochs(outputFolder);
    }

    // The epochs of a live run's checkpoint, 0 before the first; a read that fails while the file is replaced is retried
    // on the next poll.
    static int EpochsSoFar(string outputFolder)
    {
        try
        {
            return CompletedEpochs(outputFolder);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return 0;
        }
    }

    static int CompletedEpochs(string outputFolder)
    {
        using var trainer = UNetTrainer.LoadCheckpoint(Path.Combine(outputFolder, "checkpoint.ckpt"));
        return trainer.History.Count;
    }

    // The run's files (not the temporaries a kill left, which the next run removes) and their content.
    static string Fingerprint(string outputFolder) => string.Join("\n", Directory.GetFiles(outputFolder)
        .Except(Directory.GetFiles(outputFolder, ".*.tmp*")).Order()
        .Select(path => $"{Path.GetFileName(path)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))}"));

    static JsonDocument Metrics(string outputFolder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(outputFolder, "metrics.json")));

    static double[] Losses(JsonDocument metrics) =>
        metrics.RootElement.GetProperty("History").EnumerateArray().Select(e => e.GetProperty("TrainingLoss").GetDouble()).ToArray();

    // The model's output on a fixed random batch of two inputs.
    static float[] OnnxOutputs(string onnx)
    {
        using var session = new InferenceSession(onnx);
        var (name, input) = session.InputMetadata.Single();
        Assert.Equal("Features", name);
        Assert.Equal([1, 32, 32], input.Dimensions[1..]);
        var random = new Random(11);
        var values = Enumerable.Range(0, 2 * 32 * 32).Select(_ => random.NextSingle()).ToArray();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(values, [2, 1, 32, 32]))]);
        return results.Single().AsTensor<float>().ToArray();
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
