using MLNet.UNet.Images;
using MLNet.UNet.Runtime;
using Microsoft.ML;

namespace MLNet.UNet.Cli.Tests;

/// <summary>Each bad input gets a one-line message and exit code 1; nothing crashes.</summary>
public sealed class ToolBadInputTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-cli-bad-").FullName;

    string In(string name) => Path.Combine(folder, name);

    ToolRun Train(string images, params string[] more) =>
        ToolRun.Of(["train", "--images", images, "--output", In("out"), "--epochs", "1", "--size", "32", "--depth", "2", "--base-filters", "4", .. more]);

    static void AssertBadInput(ToolRun run, string expected)
    {
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains(expected, run.Error);
        Assert.StartsWith("error: ", run.Error.Trim());
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public void ARunRefusedBeforeTrainingLeavesNoOutputFolder()
    {
        AssertBadInput(Train(In("nowhere")), $"--images: the folder '{In("nowhere")}' does not exist");
        Assert.False(Directory.Exists(In("out")));
        Directory.CreateDirectory(In("empty"));
        AssertBadInput(Train(In("empty")), "holds no PNG, JPEG or BMP images");
        Assert.False(Directory.Exists(In("out")));
        // The parents made for a nested --output go with it.
        AssertBadInput(ToolRun.Of("train", "--images", In("empty"), "--output", Path.Combine(In("runs"), "a", "b"), "--epochs", "1", "--size", "32"),
            "holds no PNG, JPEG or BMP images");
        Assert.False(Directory.Exists(In("runs")));
        // Checked before any volume is read: a network of five classes needs its organs named.
        AssertBadInput(ToolRun.Of("train", "--volumes", In("empty"), "--recipe", "abdomen-mri", "--output", In("out")),
            "Recipe abdomen-mri's network has 5 output classes, a model of several organs: name its 4 organs in class order (unet train --labels");
        Assert.False(Directory.Exists(In("out")));
        if (!TrainingDevice.CudaAvailable)
            AssertBadInput(Train(In("empty"), "--device", "cuda"), "--device cuda:0: Training on cuda:0 was asked for, but TorchSharp reports CUDA not available");
        Assert.False(Directory.Exists(In("out")));
        // A mistyped command line: its errors, one line each, and where the options are listed, not the whole help page.
        var typo = ToolRun.Of("train", "--images", In("empty"), "--epochs", "abc");
        Assert.Equal(1, typo.ExitCode);
        Assert.Equal(["error: Cannot parse argument 'abc' for option '--epochs' as a whole number.", "Run 'unet train --help' for the options."],
            typo.Error.Trim().Split('\n').Select(line => line.Trim()));
        AssertBadInput(Train(In("empty"), "--threads", "0"), "--threads: Thread count must be at least 1. Actual value was 0.");
        // A value not among the allowed ones names the option it was given to.
        var notAllowed = ToolRun.Of("train", "--images", In("empty"), "--keep-epoch", "first");
        Assert.True(notAllowed.ExitCode == 1 && notAllowed.Error.Contains("error: --keep-epoch: Argument 'first' not recognized"), notAllowed.ToString());
    }

    [Fact]
    public void AFolderThatHoldsATrainedRunIsReplacedOnlyWithOverwriteAndAFolderGivenIsNeverRemoved()
    {
        Directory.CreateDirectory(In("empty"));
        var run = Directory.CreateDirectory(In("run")).FullName;
        File.WriteAllText(Path.Combine(run, "notes.txt"), "the user's own file");
        File.WriteAllText(Path.Combine(run, "model.zip"), "an earlier run's model");
        File.WriteAllText(Path.Combine(run, "checkpoint.ckpt"), "an earlier run's checkpoint");
        ToolRun TrainInto(params string[] more) =>
            ToolRun.Of(["train", "--images", In("empty"), "--output", run, "--epochs", "1", "--size", "32", "--depth", "2", .. more]);

        AssertBadInput(TrainInto(), $"--output '{run}' already holds a trained run (model.zip): give --resume to continue it, --overwrite to replace it");
        AssertBadInput(TrainInto("--resume", "--overwrite"), "Give --resume (continue the run in the output folder) or --overwrite (replace it), not both.");
        Assert.True(File.Exists(Path.Combine(run, "model.zip")));
        // --overwrite removes the earlier run before training, so that a stopped run never leaves its checkpoint for --resume.
        AssertBadInput(TrainInto("--overwrite"), "holds no PNG, JPEG or BMP images");
        Assert.False(File.Exists(Path.Combine(run, "model.zip")));
        Assert.False(File.Exists(Path.Combine(run, "checkpoint.ckpt")));
        // A folder the user gave that existed before is never removed, whatever the run left in it.
        Assert.Equal("the user's own file", File.ReadAllText(Path.Combine(run, "notes.txt")));
    }

    [Fact]
    public void MissingFolderEmptyFolderAndUnmatchedMasks()
    {
        AssertBadInput(Train(In("nowhere")), "does not exist");
        Directory.CreateDirectory(In("empty"));
        AssertBadInput(Train(In("empty")), "holds no PNG, JPEG or BMP images");
        SyntheticShapeImages.WritePngs(In("pairs"), 3, 32, 32, seed: 1);
        File.Delete(Path.Combine(In("pairs"), "shape_001_mask.png"));
        AssertBadInput(Train(In("pairs")), "has no mask");
        SyntheticShapeImages.WritePngs(In("images"), 3, 32, 32, seed: 1);
        Directory.CreateDirectory(In("masks"));
        foreach (var mask in Directory.GetFiles(In("images"), "*_mask.png"))
            File.Move(mask, Path.Combine(In("masks"), Path.GetFileName(mask).Replace("_mask", "")));
        File.Copy(Path.Combine(In("masks"), "shape_000.png"), Path.Combine(In("masks"), "extra.png"));
        AssertBadInput(Train(In("images"), "--masks", In("masks")), "There are 3 images");
    }

    [Fact]
    public void SizeMismatchNonBinaryMaskAndUnreadableImage()
    {
        SyntheticShapeImages.WritePngs(In("a"), 2, 32, 32, seed: 1);
        var big = SyntheticShapeImages.WritePngs(In("big"), 1, 40, 40, seed: 1)[0];
        File.Copy(big.MaskPath, Path.Combine(In("a"), "shape_000_mask.png"), overwrite: true);
        AssertBadInput(Train(In("a")), "is 32 x 32 but its mask");

        SyntheticShapeImages.WritePngs(In("b"), 2, 32, 32, seed: 1);
        File.Copy(Path.Combine(In("b"), "shape_000.png"), Path.Combine(In("b"), "shape_000_mask.png"), overwrite: true);
        AssertBadInput(Train(In("b")), "is not binary");

        var mixed = SyntheticShapeImages.WritePngs(In("e"), 3, 32, 32, seed: 1);
        var unitMask = new float[32 * 32];
        unitMask[100] = 1;
        GrayPng.Write(mixed[1].MaskPath, unitMask, 32, 32, v => v / 255f);
        AssertBadInput(Train(In("e")), "The masks mix foreground values");

        SyntheticShapeImages.WritePngs(In("c"), 2, 32, 32, seed: 1);
        File.WriteAllBytes(Path.Combine(In("c"), "shape_001.png"), [1, 2, 3, 4, 5]);
        AssertBadInput(Train(In("c")), "is not a readable image");
    }

    [Fact]
    public void FilesThatAreNotModelsAndConflictingOptions()
    {
        SyntheticShapeImages.WritePngs(In("d"), 2, 32, 32, seed: 1);
        File.WriteAllText(In("not-a-model.zip"), "hello");
        AssertBadInput(ToolRun.Of("evaluate", "--model", In("not-a-model.zip"), "--images", In("d")), "is not an ML.NET model zip");
        AssertBadInput(ToolRun.Of("info", In("not-a-model.zip")), "is not an ML.NET model zip");
        // An output file that is a folder is refused before the models are read, not after the work.
        AssertBadInput(ToolRun.Of("evaluate", "--model", In("not-a-model.zip"), "--images", In("d"), "--json", In("d")),
            $"--json: '{In("d")}' is a folder; give the path of the file to write.");
        AssertBadInput(ToolRun.Of("ensemble", "--model", In("not-a-model.zip"), "-o", In("d")), $"--output: '{In("d")}' is a folder");

        var context = new MLContext();
        var data = context.Data.LoadFromEnumerable(new[] { new Row { X = 1 } });
        var other = context.Transforms.CopyColumns("Y", "X").Fit(data);
        context.Model.Save(other, data.Schema, In("other.zip"));
        AssertBadInput(ToolRun.Of("predict", "--model", In("other.zip"), "--images", In("d")), "not one of this tool's");

        AssertBadInput(ToolRun.Of("train", "--images", In("d"), "--volumes", In("d")), "exactly one of --images and --volumes");
        AssertBadInput(ToolRun.Of("train", "--images", In("d"), "--size", "30", "--depth", "2"), "--size: TrainingRecipe.ImageSize 30 must be a positive multiple of 2^depth = 4");
        AssertBadInput(ToolRun.Of("train", "--images", In("d"), "--weight-averaging", "1"), "--weight-averaging: TrainerOptions.WeightAveragingDecay must be in (0, 1) or null, got 1");
        AssertBadInput(ToolRun.Of("train", "--images", In("d"), "--fit-schedule-to-time", "--minutes", "0"), "--fit-schedule-to-time: TrainerOptions.FitScheduleToTimeBudget needs a TimeBudget");
        AssertBadInput(ToolRun.Of("train", "--images", In("d"), "--minutes", "NaN"), "--minutes: NaN is not a number of minutes; give a positive number, or 0 for no budget.");
        AssertBadInput(ToolRun.Of("train", "--images", In("d"), "--minutes", "1e300"), "is not a number of minutes; give a positive number, or 0 for no budget.");
        AssertBadInput(ToolRun.Of("train", "--images", In("d"), "--minutes", "-5"), "--minutes: TrainerOptions.TimeBudget must be positive or null");
        AssertBadInput(ToolRun.Of("train", "--volumes", In("d"), "--empty-slices", "1.5"), "--empty-slices: TrainingRecipe.EmptySliceFraction must be in [0, 1], got 1.5");
        // Drawn anew each epoch, all organ-free slices are loaded: the share is still checked before anything is read.
        AssertBadInput(ToolRun.Of("train", "--volumes", In("d"), "--empty-slices", "1.5", "--redraw-empty-slices", "true"), "--empty-slices: TrainingRecipe.EmptySliceFraction must be in [0, 1], got 1.5");
        AssertBadInput(ToolRun.Of("train", "--volumes", In("d"), "--folds", "3", "--keep-epoch", "best"), "--keep-epoch does not apply with --folds");
        var unknownRecipe = ToolRun.Of("train", "--volumes", In("d"), "--recipe", "liver");
        Assert.True(unknownRecipe.ExitCode == 1 && unknownRecipe.Error.Contains("liver-mri"), unknownRecipe.ToString());
        AssertBadInput(ToolRun.Of("train", "--images", In("d"), "--empty-slices", "0.25"), "--empty-slices applies to --volumes only");
        AssertBadInput(ToolRun.Of("train", "--volumes", In("d"), "--recipe", "liver-mri", "--labels", "liver=1,spleen=4"), "clear the recipe's ContextLabels (unet train --context-labels none) or train the one organ without --labels");
        AssertBadInput(ToolRun.Of("train", "--images", In("d"), "--context-labels", "2"), "--context-labels applies to --volumes only");
        var unknown = ToolRun.Of("train", "--frobnicate");
        Assert.Equal(1, unknown.ExitCode);
    }

    sealed class Row
    {
        public float X { get; set; }
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
