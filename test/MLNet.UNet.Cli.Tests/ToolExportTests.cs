using MLNet.UNet.Medical.Plausibility;

using static MLNet.UNet.Cli.Tests.ToolTestFiles;

namespace MLNet.UNet.Cli.Tests;

/// <summary>Which weights <c>unet export</c> takes from a checkpoint: those of the zip the run wrote, or with --weights last those it ended with.</summary>
public sealed class ToolExportTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-cli-export-").FullName;

    string In(string name) => Path.Combine(folder, name);

    [Fact]
    public void AnExportScoresAsTheRunsOwnZipOrWithTheWeightsTheRunEndedWith()
    {
        Directory.CreateDirectory(In("volumes"));
        for (int patient = 1; patient <= 3; patient++)
        {
            var (image, label) = Ball(32, 32, 6, radius: 6 + patient);
            WritePatient(In("volumes"), $"{patient}", image, label);
        }
        string[] small = ["--size", "32", "--depth", "2", "--base-filters", "4", "--augment", "none", "--weight-averaging", "0.5"];

        // A fold keeps no best epoch: it ends with the average of the weights, which its zip holds, and so must the export
        // (the checkpoint's network holds the last step's own weights beside the average).
        var fold = ToolRun.Of(["train", "--volumes", In("volumes"), "--folds", "3", "--fold", "1", "--epochs", "2", .. small, "--output", In("cv")]);
        Assert.True(fold.ExitCode == 0, fold.ToString());
        var exported = ToolRun.Of("export", "--checkpoint", In("cv/fold-1/checkpoint.ckpt"), "--output", In("fold-export"));
        Assert.True(exported.ExitCode == 0, exported.ToString());
        Assert.Contains("(weights of epoch 2 of 2)", exported.Output);
        Assert.DoesNotContain("measured the masks of epoch", exported.Output);
        var foldConfidences = Confidences(In("cv/fold-1/model.zip"), "fold");
        Assert.DoesNotContain("\"NaN\"", foldConfidences); // an empty mask would make any two networks look alike
        Assert.Equal(foldConfidences, Confidences(In("fold-export/model.zip"), "fold-exported"));

        // A run that keeps its best epoch: the export takes it by default, and the weights the run ended with when asked.
        var run = ToolRun.Of(["train", "--volumes", In("volumes"), "--validation", "0.34", "--epochs", "3", "--learning-rate", "0.05", .. small,
            "--output", In("run")]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var best = ToolRun.Of("export", "--checkpoint", In("run/checkpoint.ckpt"), "--output", In("best"));
        var last = ToolRun.Of("export", "--checkpoint", In("run/checkpoint.ckpt"), "--weights", "last", "--output", In("last"));
        Assert.True(best.ExitCode == 0 && last.ExitCode == 0, best + "\n" + last);
        var runConfidences = Confidences(In("run/model.zip"), "run");
        Assert.Equal(runConfidences, Confidences(In("best/model.zip"), "best-exported"));
        Assert.Contains("(weights of epoch 3 of 3)", last.Output);
        Assert.DoesNotContain("measured the masks of epoch", best.Output);
        if (!best.Output.Contains("(weights of epoch 3 of 3)"))
        {
            // Another epoch's weights: the record, measured on the kept epoch's masks, is not theirs.
            Assert.Contains("no plausibility record stored: the model.zip beside the checkpoint measured the masks of epoch", last.Output);
            Assert.Null(PlausibilityRecord.ReadFromModel(In("last/model.zip")));
            Assert.NotEqual(runConfidences, Confidences(In("last/model.zip"), "last-exported"));
        }
        else
            Assert.Equal(runConfidences, Confidences(In("last/model.zip"), "last-exported"));

        var refused = ToolRun.Of("export", "--checkpoint", In("run/checkpoint.ckpt"), "--weights", "first", "--output", In("refused"));
        Assert.True(refused.ExitCode == 1 && refused.Error.Contains("--weights: Argument 'first' not recognized") && refused.Error.Contains("'last'"), refused.ToString());
        Assert.False(Directory.Exists(In("refused")));
    }

    // Each volume's mean confidence as predict writes it: equal only when the networks score alike.
    List<string> Confidences(string zip, string name)
    {
        var predicted = ToolRun.Of("predict", "--model", zip, "--volumes", In("volumes"), "--output", In($"pred-{name}"));
        Assert.True(predicted.ExitCode == 0, predicted.ToString());
        return MeanConfidences(In($"pred-{name}"));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
