using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Per-organ reports of the folds of a cross-validation: saved, read back and combined, on figures set here.</summary>
public sealed class OrganCrossValidationTests : IDisposable
{
    readonly string folder = Path.Combine(Path.GetTempPath(), "unet-organ-cv-" + Guid.NewGuid().ToString("N"));

    static PatientEvaluation Patient(string id, double dice, double? hd95) =>
        new(id, new VolumeMetrics(dice, dice / (2 - dice), 10, 1.5, 20, hd95, 100, 110), new VolumeMetrics(dice + 0.01, 0.5, 5, 1, 10, hd95 / 2, 105, 110), [dice]);

    static OrganEvaluationReport Fold(params string[] patients) => new(
    [
        ("liver", new VolumeEvaluationReport([.. patients.Select((p, i) => Patient(p, 0.9 + i * 0.01, 8))])),
        ("spleen", new VolumeEvaluationReport([.. patients.Select((p, i) => Patient(p, 0.7 + i * 0.1, i == 0 ? null : 12))])),
    ]);

    [Fact]
    public void AReportSurvivesItsJsonAndFoldsCombineOrganByOrgan()
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "evaluation.json");
        var first = Fold("1", "2");
        first.WriteJson(path);
        var read = OrganEvaluationReport.ReadJson(path);
        Assert.Equal(["liver", "spleen"], read.Organs.Select(o => o.Organ));
        Assert.Equal(first.MeanDice, read.MeanDice, 12);
        Assert.Equal(first.Organs[1].Report.Raw["HD95"].Mean, read.Organs[1].Report.Raw["HD95"].Mean, 12);
        Assert.Null(read.Organs[1].Report.Patients[0].Metrics.Hd95);

        var combined = OrganEvaluationReport.Combine([read, Fold("3")]);
        Assert.Equal(["1", "2", "3"], combined.PatientIds);
        Assert.Equal((0.90 + 0.91 + 0.90) / 3, combined.Organs[0].Report.Raw["Dice"].Mean, 12);
        Assert.Equal((0.7 + 0.8 + 0.7) / 3, combined.Organs[1].Report.Raw["Dice"].Mean, 12);
        Assert.Equal(((0.90 + 0.91 + 0.90) / 3 + (0.7 + 0.8 + 0.7) / 3) / 2, combined.MeanDice, 12);

        Assert.Contains("folds of a cross-validation must not share patients", Assert.Throws<ArgumentException>(() => OrganEvaluationReport.Combine([first, Fold("2")])).Message);
        var otherOrgans = new OrganEvaluationReport([("liver", first.Organs[0].Report)]);
        Assert.Contains("same organs in the same order", Assert.Throws<ArgumentException>(() => OrganEvaluationReport.Combine([first, otherOrgans])).Message);
    }

    [Fact]
    public void CombiningFoldsTakesThoseThatHoldTheirSplitsPatientsAndSaysWhyOthersAreOut()
    {
        var split = PatientSplit.KFold(["1", "2", "3", "4", "5", "6"], 3, seed: 1);
        Fold([.. split[0].Validation]).WriteJson(Path.Combine(CreatedFold(0), VolumeTraining.EvaluationFile));
        var otherOrgans = Fold([.. split[1].Validation]);
        new OrganEvaluationReport([("liver", otherOrgans.Organs[0].Report), ("kidney", otherOrgans.Organs[1].Report)]).WriteJson(Path.Combine(CreatedFold(1), VolumeTraining.EvaluationFile));
        File.WriteAllText(Path.Combine(CreatedFold(2), VolumeTraining.EvaluationFile), "{ \"Organs\": [] }");
        var log = new StringWriter();

        var combined = VolumeCrossValidation.CombineOrgans(folder, split, log, OrganLabels.Parse("liver=1,spleen=4"));

        Assert.NotNull(combined);
        Assert.Equal(split[0].Validation.Order(), combined.PatientIds.Order());
        Assert.Contains("it evaluates liver, kidney, not liver, spleen", log.ToString());
        Assert.Contains("has no organs", log.ToString());
        Assert.Equal(combined.MeanDice, OrganEvaluationReport.ReadJson(Path.Combine(folder, VolumeCrossValidation.CombinedFile)).MeanDice, 12);
        Assert.Throws<InvalidDataException>(() => VolumeEvaluationReport.ReadJson(Path.Combine(folder, VolumeCrossValidation.CombinedFile)));
    }

    string CreatedFold(int index) => Directory.CreateDirectory(VolumeCrossValidation.FoldFolder(folder, index)).FullName;

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }
}
