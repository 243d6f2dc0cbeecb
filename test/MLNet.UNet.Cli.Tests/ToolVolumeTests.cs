using System.Text.Json;
using Microsoft.ML;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Medical.Stress;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Recipes;

using static MLNet.UNet.Cli.Tests.ToolTestFiles;

namespace MLNet.UNet.Cli.Tests;

/// <summary>train -> info -> evaluate -> predict on small NIfTI volumes that the test writes, with 2.5D slices.</summary>
public sealed class ToolVolumeTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-cli-volumes-").FullName;

    string In(string name) => Path.Combine(folder, name);

    [Fact]
    public void AModelTrainedOnNeighbourSlicesIsEvaluatedAndAppliedWithTheSameChannels()
    {
        const int width = 40, height = 36, depth = 8;
        Directory.CreateDirectory(In("volumes"));
        for (int patient = 1; patient <= 3; patient++)
        {
            var (image, label) = Ball(width, height, depth, radius: 6 + patient);
            WritePatient(In("volumes"), $"{patient}", image, label);
        }

        var train = ToolRun.Of("train", "--volumes", In("volumes"), "--neighbour-slices", "1", "--validation", "0.34", "--epochs", "2",
            "--size", "32", "--depth", "2", "--base-filters", "8", "--augment", "none", "--smooth-slices", "1", "--output", In("model"));
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Contains("input Features: [N, 3, 32, 32]", ToolRun.Of("info", Path.Combine(In("model"), "model.onnx")).Output);
        var info = ToolRun.Of("info", Path.Combine(In("model"), "model.zip")).Output;
        Assert.Contains("averaged over 1 neighbour slice(s) on each side by default", info);
        Assert.Contains("test-time shifts off by default", info);

        // The model scores with the smoothing it was trained with, unless told otherwise.
        var evaluate = ToolRun.Of("evaluate", "--model", Path.Combine(In("model"), "model.zip"), "--volumes", In("volumes"), "--json", In("default.json"));
        Assert.True(evaluate.ExitCode == 0, evaluate.ToString());
        Assert.Contains("mean ± sd", evaluate.Output);
        Assert.Equal(1, SmoothingOf(In("default.json")));
        var unsmoothed = ToolRun.Of("evaluate", "--model", Path.Combine(In("model"), "model.zip"), "--volumes", In("volumes"), "--smooth-slices", "0", "--json", In("none.json"));
        Assert.True(unsmoothed.ExitCode == 0, unsmoothed.ToString());
        Assert.Equal(0, SmoothingOf(In("none.json")));
        // Test-time shifts when asked (one pass here: 40 x 36 slices are not shrunk by a whole factor), and recorded; refused for images.
        var shifted = ToolRun.Of("evaluate", "--model", Path.Combine(In("model"), "model.zip"), "--volumes", In("volumes"), "--test-time-shifts", "true", "--json", In("shifted.json"));
        Assert.True(shifted.ExitCode == 0, shifted.ToString());
        Assert.Contains("averaged over test-time shifts (--test-time-shifts)", shifted.Output);
        Assert.Equal((true, false), (ShiftsOf(In("shifted.json")), ShiftsOf(In("default.json"))));
        var refused = ToolRun.Of("predict", "--model", Path.Combine(In("model"), "model.zip"), "--images", In("volumes"), "--test-time-shifts", "true", "--output", In("no"));
        Assert.True(refused.ExitCode != 0 && refused.Error.Contains("--test-time-shifts applies to --volumes"), refused.ToString());

        Directory.CreateDirectory(In("unlabelled"));
        File.Copy(Path.Combine(In("volumes"), "image_2.nii.gz"), Path.Combine(In("unlabelled"), "image_2.nii.gz"));
        var predict = ToolRun.Of("predict", "--model", Path.Combine(In("model"), "model.zip"), "--volumes", In("unlabelled"), "--output", In("pred"));
        Assert.True(predict.ExitCode == 0, predict.ToString());
        var mask = NiftiReader.Read(Path.Combine(In("pred"), "pred_2.nii.gz"));
        Assert.Equal((width, height, depth), (mask.SizeX, mask.SizeY, mask.SizeZ));
        Assert.All(mask.Data, v => Assert.True(v is 0 or 1));
        // A line per volume as it is written, with the organ's volume: the mask's voxels times the voxel's volume.
        double voxelMl = mask.SpacingX * mask.SpacingY * mask.SpacingZ / 1000;
        Assert.Contains(FormattableString.Invariant($"pred_2.nii.gz: {mask.Data.Count(v => v == 1) * voxelMl:F0} ml ("), predict.Output);
        // A damaged volume in a folder is reported and skipped; the others are segmented, and the run exits 1.
        Directory.CreateDirectory(In("mixed"));
        File.Copy(Path.Combine(In("volumes"), "image_2.nii.gz"), Path.Combine(In("mixed"), "image_2.nii.gz"));
        var whole = File.ReadAllBytes(Path.Combine(In("volumes"), "image_1.nii.gz"));
        File.WriteAllBytes(Path.Combine(In("mixed"), "image_1.nii.gz"), whole[..(whole.Length / 2)]);
        var mixed = ToolRun.Of("predict", "--model", Path.Combine(In("model"), "model.zip"), "--volumes", In("mixed"), "--output", In("pred-mixed"));
        Assert.True(mixed.ExitCode == 1, mixed.ToString());
        Assert.Contains("image_1.nii.gz: not segmented: ", mixed.Output);
        Assert.Contains("error: 1 of 2 volumes could not be segmented (image_1.nii.gz;", mixed.Error);
        Assert.True(File.Exists(Path.Combine(In("pred-mixed"), "pred_2.nii.gz")));
        Assert.False(File.Exists(Path.Combine(In("pred-mixed"), "pred_1.nii.gz")));
        using (var listed = JsonDocument.Parse(File.ReadAllText(Path.Combine(In("pred-mixed"), "predictions.json"))))
        {
            Assert.Equal("image_2", listed.RootElement[0].GetProperty("Case").GetString());
            Assert.Equal(("image_1", "image_1.nii.gz"), (listed.RootElement[1].GetProperty("Case").GetString(), listed.RootElement[1].GetProperty("Image").GetString()));
            Assert.False(string.IsNullOrEmpty(listed.RootElement[1].GetProperty("Error").GetString()));
        }
        // evaluate does the same with a damaged volume among labelled ones: named, left out, listed, exit 1.
        File.Copy(Path.Combine(In("volumes"), "label_2.nii.gz"), Path.Combine(In("mixed"), "label_2.nii.gz"));
        File.Copy(Path.Combine(In("volumes"), "label_1.nii.gz"), Path.Combine(In("mixed"), "label_1.nii.gz"));
        var evaluatedMixed = ToolRun.Of("evaluate", "--model", Path.Combine(In("model"), "model.zip"), "--volumes", In("mixed"), "--stress", "--json", In("mixed.json"));
        Assert.True(evaluatedMixed.ExitCode == 1, evaluatedMixed.ToString());
        Assert.Single(evaluatedMixed.Output.Split('\n'), line => line.StartsWith("image_1.nii.gz: not evaluated: ", StringComparison.Ordinal));
        Assert.Contains("| 2 |", evaluatedMixed.Output);
        Assert.DoesNotContain("| 1 |", evaluatedMixed.Output);
        Assert.Contains("error: 1 volume(s) could not be read (image_1.nii.gz;", evaluatedMixed.Error);
        using (var report = JsonDocument.Parse(File.ReadAllText(In("mixed.json"))))
        {
            Assert.Equal(["2"], report.RootElement.GetProperty("Patients").EnumerateArray().Select(p => p.GetProperty("PatientId").GetString()));
            var skipped = Assert.Single(report.RootElement.GetProperty("Unreadable").EnumerateArray());
            Assert.Equal("1", skipped.GetProperty("PatientId").GetString());
        }
        // Two images that would write the same label map are refused before anything is written.
        Directory.CreateDirectory(In("clash"));
        File.Copy(Path.Combine(In("volumes"), "image_2.nii.gz"), Path.Combine(In("clash"), "image_2.nii.gz"));
        File.Copy(Path.Combine(In("volumes"), "image_2.nii.gz"), Path.Combine(In("clash"), "2.nii.gz"));
        var clash = ToolRun.Of("predict", "--model", Path.Combine(In("model"), "model.zip"), "--volumes", In("clash"), "--output", In("pred-clash"));
        Assert.True(clash.ExitCode == 1 && clash.Error.Contains("2.nii.gz and image_2.nii.gz would both be written to pred_2.nii.gz"), clash.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(In("pred-clash")));
        var smoothedPrediction = ToolRun.Of("predict", "--model", Path.Combine(In("model"), "model.zip"), "--volumes", In("unlabelled"),
            "--output", In("pred-smoothed"), "--smooth-slices", "2");
        Assert.True(smoothedPrediction.ExitCode == 0, smoothedPrediction.ToString());
        Assert.True(File.Exists(Path.Combine(In("pred-smoothed"), "pred_2.nii.gz")));
        Assert.Contains("\"SmoothingRadius\": 2", File.ReadAllText(Path.Combine(In("pred-smoothed"), "predictions.json")));
        Assert.Contains("\"SmoothingRadius\": 1", File.ReadAllText(Path.Combine(In("pred"), "predictions.json")));
        // An export of the checkpoint keeps the recipe's smoothing and size (from the recipe.json beside it) unless told otherwise.
        var exported = ToolRun.Of("export", "--checkpoint", Path.Combine(In("model"), "checkpoint.ckpt"), "--output", In("exported"));
        Assert.True(exported.ExitCode == 0, exported.ToString());
        Assert.Contains("slice smoothing 1 stored (recipe ", exported.Output);
        Assert.Contains("input 32 x 32, the size it was trained at (recipe ", exported.Output);
        Assert.Contains("input Features: [N, 3, 32, 32]", ToolRun.Of("info", Path.Combine(In("exported"), "model.onnx")).Output);
        Assert.Equal(1, SliceSmoothingDefault.ReadFromModel(Path.Combine(In("exported"), "model.zip")));
        // It scores volumes as the trained zip does, so it keeps its plausibility record, geometry and all.
        Assert.Contains("plausibility record stored (from the model.zip beside the checkpoint)", exported.Output);
        var trainedRecord = PlausibilityRecord.ReadFromModel(Path.Combine(In("model"), "model.zip"));
        Assert.NotNull(trainedRecord?.Geometry);
        Assert.Equal(trainedRecord, PlausibilityRecord.ReadFromModel(Path.Combine(In("exported"), "model.zip")));
        var exportedUnsmoothed = ToolRun.Of("export", "--checkpoint", Path.Combine(In("model"), "checkpoint.ckpt"), "--size", "32", "--smooth-slices", "0",
            "--output", In("exported-unsmoothed"));
        Assert.True(exportedUnsmoothed.ExitCode == 0, exportedUnsmoothed.ToString());
        Assert.Equal(0, SliceSmoothingDefault.ReadFromModel(Path.Combine(In("exported-unsmoothed"), "model.zip")));
        Assert.Contains("averaged over 0 neighbour slice(s)", ToolRun.Of("info", Path.Combine(In("exported-unsmoothed"), "model.zip")).Output);
        // Unsmoothed, its masks are not those the record measured: it holds none, and says why.
        Assert.Contains("no plausibility record stored: the model.zip beside the checkpoint scores with slice smoothing 1, the export's 0", exportedUnsmoothed.Output);
        Assert.Null(PlausibilityRecord.ReadFromModel(Path.Combine(In("exported-unsmoothed"), "model.zip")));
        Assert.Contains("no plausibility record: predictions are not checked", ToolRun.Of("info", Path.Combine(In("exported-unsmoothed"), "model.zip")).Output);
        // 40 x 36 slices resized to 32 by nearest neighbour lie, on average, at the pixels' centres; where a model's labels do
        // not, the export keeps the shift that training stored, which depends on the labels, not on the weights.
        Assert.Equal(OutputShift.None, OutputShift.ReadFromModel(Path.Combine(In("model"), "model.zip")));
        Assert.Contains("no output shift stored", exported.Output);
        new OutputShift(0.25, 0.125).WriteInto(Path.Combine(In("model"), "model.zip"));
        var exportedShifted = ToolRun.Of("export", "--checkpoint", Path.Combine(In("model"), "checkpoint.ckpt"), "--output", In("exported-shifted"));
        Assert.True(exportedShifted.ExitCode == 0, exportedShifted.ToString());
        Assert.Contains("output shift x 0.25, y 0.125 network pixels stored", exportedShifted.Output);
        Assert.Equal(new OutputShift(0.25, 0.125), OutputShift.ReadFromModel(Path.Combine(In("exported-shifted"), "model.zip")));
        Assert.Contains("x 0.25, y 0.125 network pixels past the pixels' centres", ToolRun.Of("info", Path.Combine(In("exported-shifted"), "model.zip")).Output);
        // Values the library refuses are refused with the flag named, before anything is written.
        var checkpoint = Path.Combine(In("model"), "checkpoint.ckpt");
        Assert.Contains("error: --threshold: ThresholdOptions.Threshold must be strictly between 0 and 1, got 2.",
            ToolRun.Of("export", "--checkpoint", checkpoint, "--threshold", "2", "--output", In("exported-bad")).Error);
        Assert.Contains("error: --size: OnnxExportOptions.Height must be a positive multiple of 2^Depth = 4",
            ToolRun.Of("export", "--checkpoint", checkpoint, "--size", "30", "--output", In("exported-bad")).Error);
        Assert.False(Directory.Exists(In("exported-bad")));
        Assert.Contains("--smooth-slices must be in [0, 8], got -1",
            ToolRun.Of("evaluate", "--model", Path.Combine(In("model"), "model.zip"), "--volumes", In("volumes"), "--smooth-slices", "-1").Error);
        Assert.Contains("--smooth-slices applies to --volumes only",
            ToolRun.Of("predict", "--model", Path.Combine(In("model"), "model.zip"), "--images", In("volumes"), "--smooth-slices", "1").Error);

        var flat = ToolRun.Of("train", "--images", In("volumes"), "--neighbour-slices", "1", "--output", In("bad"));
        Assert.NotEqual(0, flat.ExitCode);
        Assert.Contains("--neighbour-slices applies to --volumes only", flat.ToString());
        Assert.Contains("--smooth-slices applies to --volumes only", ToolRun.Of("train", "--images", In("volumes"), "--smooth-slices", "1", "--output", In("bad")).Error);
        Assert.Contains("--label-fractions applies to --volumes only", ToolRun.Of("train", "--images", In("volumes"), "--label-fractions", "true", "--output", In("bad")).Error);
        var colour = ToolRun.Of("train", "--volumes", In("volumes"), "--channels", "3", "--output", In("bad"));
        Assert.NotEqual(0, colour.ExitCode);
        Assert.Contains("give --neighbour-slices k", colour.ToString());
    }

    [Fact]
    public void EmptySlicesDecidesHowManyOrganFreeSlicesAreTrainedOn()
    {
        const int width = 32, height = 32, depth = 8;
        Directory.CreateDirectory(In("volumes"));
        int organSlices = 0;
        for (int patient = 1; patient <= 2; patient++)
        {
            var (image, label) = Ball(width, height, depth, radius: 5 + 2 * patient);
            WritePatient(In("volumes"), $"{patient}", image, label);
            organSlices += Enumerable.Range(0, depth).Count(z => label.Data.AsSpan(z * width * height, width * height).ContainsAnyExcept(0f));
        }
        Assert.InRange(organSlices, 1, 2 * depth - 1);

        foreach (var (fraction, expected) in new[] { ("0", organSlices), ("1", 2 * depth) })
        {
            var train = ToolRun.Of("train", "--volumes", In("volumes"), "--validation", "0", "--empty-slices", fraction, "--epochs", "1",
                "--size", "32", "--depth", "2", "--base-filters", "4", "--augment", "none", "--output", In("model-" + fraction));
            Assert.True(train.ExitCode == 0, train.ToString());
            Assert.Contains($"{expected} training slices (all with the organ; each without it kept with probability {fraction})", train.Output);
        }
    }

    [Fact]
    public void APredictionUnlikeAnyInTrainingIsFlaggedAndAnOrdinaryOneIsNot()
    {
        const int width = 32, height = 32, depth = 8;
        Directory.CreateDirectory(In("volumes"));
        for (int patient = 1; patient <= 3; patient++)
        {
            var (image, label) = Ball(width, height, depth, radius: 7 + patient);
            WritePatient(In("volumes"), $"{patient}", image, label);
        }
        var train = ToolRun.Of("train", "--volumes", In("volumes"), "--validation", "0", "--epochs", "6", "--size", "32", "--depth", "2",
            "--base-filters", "8", "--augment", "none", "--output", In("model"));
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Contains("Plausibility record", train.Output);
        var model = Path.Combine(In("model"), "model.zip");
        Assert.NotNull(PlausibilityRecord.ReadFromModel(model));
        Assert.Matches(@"plausibility record \(each prediction is checked against it\): organ [0-9]+-[0-9]+ ml, at most [0-9]+ cm² in a slice, mean confidence at least [0-9.]+; volumes stored",
            ToolRun.Of("info", model).Output);

        // A training patient, and the same patient with its organ as dark as the background (an iron-loaded liver, say).
        Directory.CreateDirectory(In("new"));
        var (ordinary, organ) = Ball(width, height, depth, radius: 9);
        NiftiWriter.Write(Path.Combine(In("new"), "image_ordinary.nii.gz"), ordinary);
        var dark = ordinary.WithData(ordinary.Data.Select((v, i) => organ.Data[i] > 0 ? v - 150 : v).ToArray());
        NiftiWriter.Write(Path.Combine(In("new"), "image_dark.nii.gz"), dark);
        // The ordinary patient stored with its first two axes swapped (the sform saying so) is turned back, not flagged.
        var swapped = new Volume(Transposed(ordinary.Data, width, height), height, width, depth, ordinary.SpacingY, ordinary.SpacingX, ordinary.SpacingZ,
            new NiftiHeader { Rank = 3, Dimensions = [height, width, depth], Spacing = [ordinary.SpacingY, ordinary.SpacingX, ordinary.SpacingZ], SFormCode = 1,
                SForm = [0, ordinary.SpacingX, 0, 0, ordinary.SpacingY, 0, 0, 0, 0, 0, ordinary.SpacingZ, 0] });
        NiftiWriter.Write(Path.Combine(In("new"), "image_swapped.nii.gz"), swapped);
        // The ordinary patient in slices twice as wide (a darker margin of 16 voxels all round) is scored in a window of the training's width.
        var wide = new float[4 * ordinary.Data.Length];
        Array.Fill(wide, 45f);
        for (int z = 0; z < depth; z++)
            for (int y = 0; y < height; y++)
                Array.Copy(ordinary.Data, (z * height + y) * width, wide, (z * 2 * height + y + 16) * 2 * width + 16, width);
        NiftiWriter.Write(Path.Combine(In("new"), "image_wide.nii.gz"), new Volume(wide, 2 * width, 2 * height, depth, ordinary.SpacingX, ordinary.SpacingY, ordinary.SpacingZ));

        var predict = ToolRun.Of("predict", "--model", model, "--volumes", In("new"), "--output", In("pred"), "--post-process");
        Assert.True(predict.ExitCode == 0, predict.ToString());
        var warnings = predict.Output.Split('\n').Where(l => l.StartsWith("warning:")).ToList();
        Assert.True(warnings.Count == 1 && warnings[0].Contains("image_dark"), predict.ToString());
        Assert.Contains("; stored ARS, turned to the training volumes' axes to be scored", predict.Output);
        Assert.Contains("; a slice spans 96 x 96 mm: scored in a window of 48 x 48 mm around the body", predict.Output);
        Assert.Equal(Transposed(NiftiReader.Read(Path.Combine(In("pred"), "pred_ordinary.nii.gz")).Data, width, height),
            NiftiReader.Read(Path.Combine(In("pred"), "pred_swapped.nii.gz")).Data);
        var json = File.ReadAllText(Path.Combine(In("pred"), "predictions.json"));
        Assert.Contains("\"Implausible\": true", json);
        Assert.Contains("\"Implausible\": false", json);
        Assert.Contains("\"ReorientedFrom\": \"ARS\"", json);
        Assert.Contains("\"ReorientedFrom\": null", json);
        Assert.Contains("\"FieldOfViewMatched\": \"a slice spans 96 x 96 mm: scored in a window of 48 x 48 mm around the body\"", json);
        Assert.Contains("\"FieldOfViewMatched\": null", json);
        Assert.Contains("\"Map\": \"pred_dark.nii.gz\"", json); // the label map each case was written to

        var strict = ToolRun.Of("predict", "--model", model, "--volumes", In("new"), "--output", In("pred-strict"), "--fail-on-warning");
        Assert.Equal(3, strict.ExitCode);

        var evaluate = ToolRun.Of("evaluate", "--model", model, "--volumes", In("volumes"), "--stress", "--fail-on-warning");
        Assert.True(evaluate.ExitCode == 0, evaluate.ToString());
        Assert.Contains("| liver x0.25 |", evaluate.Output);
        Assert.Contains("| none |", evaluate.Output);
        Assert.DoesNotContain("warning:", evaluate.Output);

        // The zip's own threshold decides the masks: the same network exported at 0.5 and at 0.9 predicts less at 0.9.
        double Predicted(string threshold)
        {
            var export = ToolRun.Of("export", "--checkpoint", Path.Combine(In("model"), "checkpoint.ckpt"), "--size", "32", "--threshold", threshold, "--output", In($"export-{threshold}"));
            Assert.True(export.ExitCode == 0, export.ToString());
            var scored = ToolRun.Of("predict", "--model", Path.Combine(In($"export-{threshold}"), "model.zip"), "--volumes", In("volumes"), "--output", In($"pred-{threshold}"));
            Assert.True(scored.ExitCode == 0, scored.ToString());
            using var cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(In($"pred-{threshold}"), "predictions.json")));
            return cases.RootElement.EnumerateArray().Sum(c => c.GetProperty("VolumeMl").GetDouble());
        }
        double atHalf = Predicted("0.5"), atNineTenths = Predicted("0.9");
        Assert.True(atNineTenths < atHalf, $"{atNineTenths:F3} ml at 0.9 against {atHalf:F3} ml at 0.5");
    }

    [Fact]
    public void FoldsRunOneAtATimeCombineIntoOneCrossValidation()
    {
        Directory.CreateDirectory(In("volumes"));
        for (int patient = 1; patient <= 3; patient++)
        {
            var (image, label) = Ball(32, 32, 6, radius: 6 + patient);
            WritePatient(In("volumes"), $"{patient}", image, label);
        }
        string[] arguments = ["train", "--volumes", In("volumes"), "--folds", "3", "--epochs", "1", "--size", "32", "--depth", "2", "--base-filters", "4",
            "--augment", "none", "--output", In("cv")];

        var second = ToolRun.Of([.. arguments, "--fold", "2"]);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("Fold 1: not run yet", second.Output);
        Assert.False(Directory.Exists(In("cv/fold-1")));
        foreach (var file in new[] { "model.zip", "model.onnx", "recipe.json", "metrics.json", "evaluation.json", "overlay.png", "training-curve.png" })
            Assert.True(File.Exists(In($"cv/fold-2/{file}")), $"fold-2/{file} missing\n{second}");
        Assert.Single(Patients(In("cv/cross-validation.json")));
        using (var recipe = JsonDocument.Parse(File.ReadAllText(In("cv/fold-2/recipe.json"))))
            Assert.False(recipe.RootElement.GetProperty("Trainer").GetProperty("KeepBestModel").GetBoolean()); // held-out patients choose nothing

        // Every fold again would retrain fold 2: refused, with nothing changed, unless --overwrite says so.
        var refused = ToolRun.Of(arguments);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("already holds a trained run (fold-2/model.zip): give --resume to continue it, --overwrite to replace it", refused.Error);
        Assert.False(Directory.Exists(In("cv/fold-1")));
        var all = ToolRun.Of([.. arguments, "--overwrite"]);
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Equal(["1", "2", "3"], Patients(In("cv/cross-validation.json")).Order());
        Assert.All(new[] { 1, 2, 3 }, f => Assert.Single(Patients(In($"cv/fold-{f}/evaluation.json")))); // each patient validated once

        Assert.Contains("between 1 and 3", ToolRun.Of([.. arguments, "--fold", "4"]).Error);
        Assert.Contains("--fold needs --folds", ToolRun.Of("train", "--volumes", In("volumes"), "--fold", "1", "--output", In("bad")).Error);
        Assert.Contains("--validation does not apply with --folds",
            ToolRun.Of([.. arguments, "--validation", "0.3"]).Error);
        // Other classes would train another network in the same folds.
        Assert.Contains("the classes learned (--labels, --context-labels) was organ 1, now organ 1, context 2",
            ToolRun.Of([.. arguments, "--resume", "--context-labels", "2"]).Error);
        // So would another training target.
        Assert.Contains("--label-fractions was false, now true", ToolRun.Of([.. arguments, "--resume", "--label-fractions", "true"]).Error);
    }

    [Fact]
    public void TheToolTrainsWhatTheLibraryTrainsForTheSameRecipe()
    {
        // The example is one VolumeTraining.Run with the liver-mri recipe; the tool's --recipe liver-mri must be the same
        // run, so a change of a few fields (to keep the test small) must give the same files from both doors. The recipe's
        // context classes (label values 2 to 4) are learned here too, though these volumes hold none of them.
        Directory.CreateDirectory(In("volumes"));
        for (int patient = 1; patient <= 5; patient++)
        {
            var (image, label) = Ball(32, 32, 6, radius: 5 + patient);
            WritePatient(In("volumes"), $"{patient}", image, label);
        }
        var tool = ToolRun.Of("train", "--volumes", In("volumes"), "--recipe", "liver-mri", "--epochs", "20", "--minutes", "0", "--size", "32",
            "--depth", "2", "--base-filters", "4", "--deep-supervision", "1", "--weight-averaging", "0", "--stress", "--output", In("tool"));
        Assert.True(tool.ExitCode == 0, tool.ToString());

        var recipe = TrainingRecipes.LiverMri();
        recipe.Trainer.Epochs = 20;
        recipe.Trainer.TimeBudget = null;
        recipe.Trainer.WeightAveragingDecay = null; // the average of so few steps would be the random start
        recipe.ImageSize = 32;
        recipe.Network.Depth = 2;
        recipe.Network.BaseFilters = 4;
        recipe.Network.DeepSupervisionOutputs = 1; // at most Depth - 1
        var patients = PatientVolume.ReadFolder(In("volumes"));
        VolumeTraining.Run(new MLContext(recipe.Seed), recipe, patients,
            PatientSplit.Holdout(patients, recipe), new VolumeTrainingOptions { OutputFolder = In("library"), Stress = true });

        foreach (var file in new[] { "recipe.json", "evaluation.json", "stress.json", "model.onnx" })
            Assert.True(File.ReadAllBytes(In($"tool/{file}")).AsSpan().SequenceEqual(File.ReadAllBytes(In($"library/{file}"))), $"{file} differs between the tool and the library");
        Assert.Single(Patients(In("tool/evaluation.json"))); // 20% of 5 patients validate
        using var stress = JsonDocument.Parse(File.ReadAllText(In("tool/stress.json")));
        Assert.Equal(["none", .. IntensityShift.Standard.Select(s => s.Name)], stress.RootElement.EnumerateArray().Select(r => r.GetProperty("Shift").GetString()));
        // Every ball is labelled 1, so every shift changes every patient's image.
        Assert.All(stress.RootElement.EnumerateArray(), r => Assert.Equal(0, r.GetProperty("UnchangedPatients").GetArrayLength()));
    }

    static bool ShiftsOf(string evaluationJson)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(evaluationJson));
        return json.RootElement.GetProperty("TestTimeShifts").GetBoolean();
    }

    static int SmoothingOf(string evaluationJson)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(evaluationJson));
        return json.RootElement.GetProperty("SmoothingRadius").GetInt32();
    }

    // x and y swapped: the value at (x, y) goes to (y, x) of a height x width grid.
    static float[] Transposed(float[] data, int width, int height)
    {
        var swapped = new float[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            int x = i % width, y = i / width % height, z = i / (width * height);
            swapped[(z * width + x) * height + y] = data[i];
        }
        return swapped;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
