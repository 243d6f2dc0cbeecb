using MLNet.UNet.Images;
using System.Text.Json;

namespace MLNet.UNet.Cli.Tests;

/// <summary>train -> evaluate -> predict -> export -> info on synthetic PNGs, and resume after an interruption (on the same data only).</summary>
public sealed class ToolWorkflowTests : IDisposable
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
        using (var json = JsonDocument.Parse(File.ReadAllText(In("test.json"))))
            Assert.InRange(json.RootElement.GetProperty("MeanDice").GetDouble(), 0, 1);

        var predict = ToolRun.Of("predict", "--model", Path.Combine(In("model"), "model.zip"), "--images", In("test"), "--output", In("pred"), "--overlay");
        Assert.True(predict.ExitCode == 0, predict.ToString());
        var masks = Directory.GetFiles(In("pred"), "*_pred.png");
        Assert.Equal(6, masks.Length);
        using (var mask = Microsoft.ML.Data.MLImage.CreateFromFile(masks[0]))
            Assert.Equal((48, 48), (mask.Width, mask.Height));
        Assert.Equal(6, Directory.GetFiles(In("pred"), "*_overlay.png").Length);

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
        // A run stopped after epoch 2 (deterministically, by its epoch count; killing at random moments is covered by
        // ToolRobustnessTests) and resumed to epoch 4 must equal a straight 4-epoch run. A constant learning rate
        // keeps the two schedules the same.
        SyntheticShapeImages.WritePngs(In("train"), 24, 32, 32, seed: 3);
        string[] arguments = ["train", "--images", In("train"), "--validation", "0.25", "--schedule", "constant", .. Small];

        var straight = ToolRun.Of([.. arguments, "--epochs", "4", "--output", In("straight")]);
        Assert.True(straight.ExitCode == 0, straight.ToString());

        var firstPart = ToolRun.Of([.. arguments, "--epochs", "2", "--output", In("interrupted")]);
        Assert.True(firstPart.ExitCode == 0, firstPart.ToString());
        // Another seed draws another validation split: resuming on it is refused, and leaves the run as it was.
        var otherData = ToolRun.Of([.. arguments, "--epochs", "4", "--output", In("interrupted"), "--resume", "--seed", "2"]);
        Assert.True(otherData.ExitCode == 1, otherData.ToString());
        Assert.Contains("which was trained on other data: --seed was 1, now 2", otherData.Error);
        var resumed = ToolRun.Of([.. arguments, "--epochs", "4", "--output", In("interrupted"), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("Resuming from", resumed.Output);
        Assert.Equal(Losses(In("straight")), Losses(In("interrupted")));
        Assert.Empty(Directory.GetFiles(In("interrupted"), "*.tmp*"));
    }

    static double[] Losses(string output)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        return json.RootElement.GetProperty("History").EnumerateArray().Select(e => e.GetProperty("TrainingLoss").GetDouble()).ToArray();
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
