using System.Text.Json;
using Microsoft.ML;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Slices;

using static MLNet.UNet.Cli.Tests.ToolTestFiles;

namespace MLNet.UNet.Cli.Tests;

/// <summary>Models of several organs through the tool: trained, evaluated per organ, exported, predicted as label maps, and voting with a liver model.</summary>
public sealed class ToolOrganTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-cli-organs-").FullName;

    string In(string name) => Path.Combine(folder, name);

    [Fact]
    public void SeveralOrgansAreTrainedEvaluatedPerOrganAndPredictedAsALabelMap()
    {
        const int width = 40, height = 36, depth = 8;
        Directory.CreateDirectory(In("volumes"));
        for (int patient = 1; patient <= 3; patient++)
        {
            var (image, label) = Ball(width, height, depth, radius: 6 + patient, spleen: true);
            WritePatient(In("volumes"), $"{patient}", image, label);
        }
        Assert.Contains("--labels: 'liver' is not name=value", ToolRun.Of("train", "--volumes", In("volumes"), "--labels", "liver", "-o", In("bad")).Error);

        var train = ToolRun.Of("train", "--volumes", In("volumes"), "--labels", "liver=1,spleen=4", "--validation", "0.34", "--epochs", "2",
            "--size", "32", "--depth", "2", "--base-filters", "8", "--augment", "none", "--output", In("organs"));
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Matches(@"epoch 2/2: .*validation Dice [0-9.]+ \(per class [0-9.]+ [0-9.]+\)", train.Output);
        Assert.Contains("input Features: [N, 1, 32, 32]", ToolRun.Of("info", Path.Combine(In("organs"), "model.onnx")).Output);
        // Exported from its checkpoint, a network of several classes ends in ArgMax, as the trained zip does, not in a threshold.
        var export = ToolRun.Of("export", "--checkpoint", Path.Combine(In("organs"), "checkpoint.ckpt"), "--size", "32", "--output", In("exported"));
        Assert.True(export.ExitCode == 0, export.ToString());
        using (var exported = (IDisposable)new MLContext().Model.Load(Path.Combine(In("exported"), "model.zip"), out var exportedSchema))
        {
            var columns = ((ITransformer)exported).GetOutputSchema(exportedSchema);
            Assert.NotNull(columns.GetColumnOrNull("PredictedLabel"));
            Assert.Null(columns.GetColumnOrNull("PredictedMask"));
        }
        // Without its organs it is refused, saying how to add them; with them, it segments volumes as the trained zip does. A wrong
        // count, or a value a uint8 label map cannot hold, is refused before anything is written.
        var unnamed = ToolRun.Of("predict", "--model", Path.Combine(In("exported"), "model.zip"), "--volumes", In("volumes"), "--output", In("unnamed-maps"));
        Assert.Contains("does not record their organs", unnamed.Error);
        Assert.Contains("unet export --labels", unnamed.Error);
        Assert.Contains("from 1 to 255", ToolRun.Of("export", "--checkpoint", Path.Combine(In("organs"), "checkpoint.ckpt"), "--labels", "liver=1,spleen=300", "--output", In("exported-bad")).Error);
        var miscounted = ToolRun.Of("export", "--checkpoint", Path.Combine(In("organs"), "checkpoint.ckpt"), "--labels", "liver=1", "--output", In("exported-bad"));
        Assert.Contains("--labels names 1 organ(s) (liver=1), but the checkpoint's network has 3 classes", miscounted.Error);
        Assert.False(Directory.Exists(In("exported-bad")));
        var labelled = ToolRun.Of("export", "--checkpoint", Path.Combine(In("organs"), "checkpoint.ckpt"), "--size", "32", "--labels", "liver=1,spleen=4",
            "--output", In("exported-organs"));
        Assert.True(labelled.ExitCode == 0, labelled.ToString());
        // Named as in training, it keeps the trained zip's record of each organ; unnamed, it could not use one.
        Assert.Contains("plausibility record stored (from the model.zip beside the checkpoint)", labelled.Output);
        Assert.Equal(["liver", "spleen"], OrganPlausibility.ReadFromModel(Path.Combine(In("exported-organs"), "model.zip"))!.Organs.Select(o => o.Organ));
        Assert.Contains("no plausibility record stored: the model.zip beside the checkpoint records liver, spleen, the export names no organs (--labels)", export.Output);
        var predicted = ToolRun.Of("predict", "--model", Path.Combine(In("exported-organs"), "model.zip"), "--volumes", In("volumes"), "--output", In("exported-maps"));
        Assert.True(predicted.ExitCode == 0, predicted.ToString());
        Assert.Contains("label maps (liver=1,spleen=4)", predicted.Output);
        Assert.All(NiftiReader.Read(Path.Combine(In("exported-maps"), "pred_1.nii.gz")).Data, v => Assert.Contains(v, new[] { 0f, 1f, 4f }));

        var crossValidation = ToolRun.Of("train", "--volumes", In("volumes"), "--labels", "liver=1,spleen=4", "--folds", "3", "--fold", "2", "--epochs", "1",
            "--size", "32", "--depth", "2", "--base-filters", "8", "--augment", "none", "--output", In("organs-cv"));
        Assert.True(crossValidation.ExitCode == 0, crossValidation.ToString());
        Assert.Contains("Cross-validation over 1 of 3 folds (1 patients)", crossValidation.Output);
        Assert.Contains("| spleen |", crossValidation.Output);
        Assert.Equal(["liver", "spleen"], OrganEvaluationReport.ReadJson(Path.Combine(In("organs-cv"), "cross-validation.json")).Organs.Select(o => o.Organ));

        var evaluate = ToolRun.Of("evaluate", "--model", Path.Combine(In("organs"), "model.zip"), "--volumes", In("volumes"), "--stress", "--json", In("organs.json"));
        Assert.True(evaluate.ExitCode == 0, evaluate.ToString());
        Assert.Contains("| liver |", evaluate.Output);
        Assert.Contains("| spleen |", evaluate.Output);
        Assert.Contains("| shift | liver | spleen | mean over organs | flagged |", evaluate.Output);
        using (var saved = JsonDocument.Parse(File.ReadAllText(In("organs.json"))))
        {
            var darkLiver = saved.RootElement.GetProperty("Stress").EnumerateArray().Single(r => r.GetProperty("Shift").GetString() == "liver x0.25");
            Assert.Equal(2, darkLiver.GetProperty("Organs").GetArrayLength());
            Assert.Equal(0, darkLiver.GetProperty("UnchangedPatients").GetArrayLength());
        }
        // Its pixels take the organ of highest probability: there is no threshold to replace.
        var thresholded = ToolRun.Of("evaluate", "--model", Path.Combine(In("organs"), "model.zip"), "--volumes", In("volumes"), "--threshold", "0.6");
        Assert.True(thresholded.ExitCode == 1, thresholded.ToString());
        Assert.Contains("--threshold applies to a one-organ model", thresholded.Error);

        Directory.CreateDirectory(In("unlabelled"));
        File.Copy(Path.Combine(In("volumes"), "image_2.nii.gz"), Path.Combine(In("unlabelled"), "image_2.nii.gz"));
        var predict = ToolRun.Of("predict", "--model", Path.Combine(In("organs"), "model.zip"), "--volumes", In("unlabelled"), "--output", In("maps"), "--post-process");
        Assert.True(predict.ExitCode == 0, predict.ToString());
        var map = NiftiReader.Read(Path.Combine(In("maps"), "pred_2.nii.gz"));
        Assert.Equal((width, height, depth), (map.SizeX, map.SizeY, map.SizeZ));
        Assert.All(map.Data.Distinct(), value => Assert.Contains(value, new[] { 0f, 1f, 4f }));
        using var predictions = JsonDocument.Parse(File.ReadAllText(Path.Combine(In("maps"), "predictions.json")));
        var single = predictions.RootElement.EnumerateArray().Single();
        Assert.Equal(["liver", "spleen"], single.GetProperty("Organs").EnumerateArray().Select(o => o.GetProperty("Organ").GetString()));
        Assert.Equal(("image_2", "pred_2.nii.gz"), (single.GetProperty("Case").GetString(), single.GetProperty("Map").GetString()));
        // Each organ's volume in predictions.json, and in the line printed for the case, is that of its voxels in the label map written beside it.
        double voxelMl = map.SpacingX * map.SpacingY * map.SpacingZ / 1000;
        Assert.Contains(FormattableString.Invariant($"pred_2.nii.gz: liver {map.Data.Count(v => v == 1f) * voxelMl:F0} ml, spleen {map.Data.Count(v => v == 4f) * voxelMl:F0} ml ("),
            predict.Output);
        foreach (var (organ, value) in new[] { ("liver", 1f), ("spleen", 4f) })
            Assert.Equal(map.Data.Count(v => v == value) * voxelMl,
                single.GetProperty("Organs").EnumerateArray().Single(o => o.GetProperty("Organ").GetString() == organ).GetProperty("VolumeMl").GetDouble(), 6);
        Assert.True(single.TryGetProperty("Implausible", out _), "predictions.json marks each case as plausible or not");
    }

    [Fact]
    public void ALiverModelAndAModelOfSeveralOrgansVoteOnTheLiver()
    {
        Directory.CreateDirectory(In("volumes"));
        for (int patient = 1; patient <= 3; patient++)
        {
            var (image, label) = Ball(40, 36, 8, radius: 6 + patient, spleen: true);
            WritePatient(In("volumes"), $"{patient}", image, label);
        }
        string[] small = ["--validation", "0", "--epochs", "6", "--size", "32", "--depth", "2", "--base-filters", "8", "--augment", "none"];
        var liver = ToolRun.Of(["train", "--volumes", In("volumes"), .. small, "--output", In("liver")]);
        var organs = ToolRun.Of(["train", "--volumes", In("volumes"), "--labels", "liver=1,spleen=4", .. small, "--output", In("organs")]);
        Assert.True(liver.ExitCode == 0 && organs.ExitCode == 0, liver.ToString() + organs);
        string liverZip = Path.Combine(In("liver"), "model.zip"), organsZip = Path.Combine(In("organs"), "model.zip");

        var mixed = ToolRun.Of("evaluate", "--model", liverZip, "--model", organsZip, "--volumes", In("volumes"));
        Assert.NotEqual(0, mixed.ExitCode);
        Assert.Contains("mixes models of one organ and of several", mixed.Error);
        Assert.Contains("segments liver, spleen", ToolRun.Of("evaluate", "--model", liverZip, "--model", organsZip, "--organ", "kidney", "--volumes", In("volumes")).Error);
        Assert.Contains("must be a one-organ model", ToolRun.Of("evaluate", "--model", organsZip, "--model", liverZip, "--organ", "liver", "--volumes", In("volumes")).Error);
        // The liver model records the label value it was trained on, so a vote on another organ is refused.
        Assert.True(ForegroundLabels.ReadFromModel(liverZip)!.IsExactly(1));
        Assert.Contains("label value 4 in model 2", ToolRun.Of("evaluate", "--model", liverZip, "--model", organsZip, "--organ", "spleen", "--volumes", In("volumes")).Error);
        var spleenRecorded = In("spleen-recorded.zip");
        File.Copy(liverZip, spleenRecorded);
        new ForegroundLabels([4]).WriteInto(spleenRecorded);
        Assert.Contains("segment different label values", ToolRun.Of("evaluate", "--model", liverZip, "--model", spleenRecorded, "--volumes", In("volumes")).Error);

        var vote = ToolRun.Of("evaluate", "--model", liverZip, "--model", organsZip, "--organ", "liver", "--volumes", In("volumes"), "--json", In("vote.json"));
        Assert.True(vote.ExitCode == 0, vote.ToString());
        Assert.Equal(["1", "2", "3"], Patients(In("vote.json")));
        // Saved as one zip, the vote scores as the two zips do.
        var saved = ToolRun.Of("ensemble", "--model", liverZip, "--model", organsZip, "--organ", "liver", "--output", In("vote.zip"));
        Assert.True(saved.ExitCode == 0, saved.ToString());
        var fromZip = ToolRun.Of("evaluate", "--model", In("vote.zip"), "--volumes", In("volumes"), "--json", In("vote-zip.json"));
        Assert.True(fromZip.ExitCode == 0, fromZip.ToString());
        Assert.Equal(File.ReadAllText(In("vote.json")), File.ReadAllText(In("vote-zip.json")));
        // One organ taken out of the organs model keeps its record and the model's geometry.
        var organRecords = MLNet.UNet.Medical.Plausibility.OrganPlausibility.ReadFromModel(organsZip)!;
        Assert.NotNull(organRecords.Geometry);
        var extracted = ToolRun.Of("ensemble", "--model", organsZip, "--organ", "liver", "--output", In("liver-of-organs.zip"));
        Assert.True(extracted.ExitCode == 0, extracted.ToString());
        var liverRecord = PlausibilityRecord.ReadFromModel(In("liver-of-organs.zip"));
        Assert.Equal(organRecords.Organs[0].Record is null, liverRecord is null);
        if (liverRecord is not null)
            Assert.Equal(organRecords.Geometry, liverRecord.Geometry);
        Assert.Contains("Nothing to combine", ToolRun.Of("ensemble", "--model", liverZip, "--output", In("one.zip")).Error);
        Assert.False(File.Exists(In("one.zip")));
        var predict = ToolRun.Of("predict", "--model", liverZip, "--model", organsZip, "--organ", "liver", "--volumes", In("volumes"), "--output", In("maps"));
        Assert.True(predict.ExitCode == 0, predict.ToString());
        Assert.All(NiftiReader.Read(Path.Combine(In("maps"), "pred_1.nii.gz")).Data, v => Assert.True(v is 0 or 1));
        // The vote is not the liver model alone: the organs model's liver probability moves the confidence.
        var alone = ToolRun.Of("predict", "--model", liverZip, "--volumes", In("volumes"), "--output", In("alone"));
        Assert.True(alone.ExitCode == 0, alone.ToString());
        var (aloneConfidences, voteConfidences) = (MeanConfidences(In("alone")), MeanConfidences(In("maps")));
        Assert.DoesNotContain("\"NaN\"", aloneConfidences);
        Assert.NotEqual(aloneConfidences, voteConfidences);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
