using System.Text.Json;
using MLNet.UNet.Medical.Metrics;

namespace MLNet.UNet.Medical.Tests;

public class VolumeEvaluationReportTests
{
    // Ten voxels in a row, 1 mm apart, set from 'from' to 'to'.
    static BinaryVolume Line(int from, int to) =>
        new(Enumerable.Range(0, 10).Select(x => x >= from && x <= to).ToArray(), 10, 1, 1, 1, 1, 1);

    static PatientEvaluation Patient(string id, int predictedTo)
    {
        var metrics = VolumeMetrics.Compute(Line(0, predictedTo), Line(0, 3));
        return new PatientEvaluation(id, metrics, metrics, [metrics.Dice]);
    }

    [Fact]
    public void CombiningFoldsSummarisesEveryPatientOnce()
    {
        // Truth x = 0..3. Predictions 0..3, 0..1 and 0..5 give Dice 1, 4/6 and 8/10.
        var first = new VolumeEvaluationReport([Patient("a", 3), Patient("b", 1)]);
        var second = new VolumeEvaluationReport([Patient("c", 5)]);

        var combined = VolumeEvaluationReport.Combine([first, second]);

        Assert.Equal(["a", "b", "c"], combined.Patients.Select(p => p.PatientId));
        double mean = (1 + 4.0 / 6 + 0.8) / 3;
        Assert.Equal(mean, combined.Raw["Dice"].Mean, 12);
        double variance = (Math.Pow(1 - mean, 2) + Math.Pow(4.0 / 6 - mean, 2) + Math.Pow(0.8 - mean, 2)) / 3;
        Assert.Equal(Math.Sqrt(variance), combined.Raw["Dice"].StandardDeviation, 12);
        Assert.Equal(3, combined.PostProcessed["HD95"].Defined);
        Assert.NotEqual(first.Raw["Dice"].Mean, combined.Raw["Dice"].Mean, 6);
    }

    [Fact]
    public void CombinedReportIsWrittenAsJsonWithAllPatients()
    {
        var combined = VolumeEvaluationReport.Combine([new([Patient("a", 3)]), new([Patient("b", 1)])]);
        var path = Path.Combine(Path.GetTempPath(), $"combined-{Guid.NewGuid():N}.json");
        try
        {
            combined.WriteJson(path);
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            Assert.Equal(2, json.RootElement.GetProperty("Patients").GetArrayLength());
            Assert.Equal((1 + 4.0 / 6) / 2, json.RootElement.GetProperty("Raw").GetProperty("Dice").GetProperty("Mean").GetDouble(), 12);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CombiningRefusesSharedPatientsAndNothing()
    {
        var fold = new VolumeEvaluationReport([Patient("7", 3)]);
        var shared = Assert.Throws<ArgumentException>(() => VolumeEvaluationReport.Combine([fold, new([Patient("7", 1)])]));
        Assert.Contains("Patient 7", shared.Message);
        Assert.Contains("must not share patients", shared.Message);
        Assert.Contains("null", Assert.Throws<ArgumentException>(() => VolumeEvaluationReport.Combine([fold, null!])).Message);
        var empty = Assert.Throws<ArgumentException>(() => VolumeEvaluationReport.Combine([]));
        Assert.Contains("no patient", empty.Message);
    }

    [Fact]
    public void ReportReadBackFromJsonHasTheSamePatientsAndSummaries()
    {
        // Patient b's prediction is empty, so its distances are null and must stay null.
        var empty = VolumeMetrics.Compute(new BinaryVolume(new bool[10], 10, 1, 1, 1, 1, 1), Line(0, 3));
        var report = new VolumeEvaluationReport([Patient("a", 5), new PatientEvaluation("b", empty, empty, [0, 1])]);
        var path = TemporaryPath();
        try
        {
            report.WriteJson(path);
            var read = VolumeEvaluationReport.ReadJson(path);

            Assert.Equal(report.Patients.Select(p => p.PatientId), read.Patients.Select(p => p.PatientId));
            Assert.Equal(report.Patients[0].Metrics, read.Patients[0].Metrics);
            Assert.Null(read.Patients[1].Metrics.Hd95);
            Assert.Equal([0.0, 1.0], read.Patients[1].SliceDice);
            Assert.Equal(report.Raw["Dice"], read.Raw["Dice"]);
            Assert.Equal(1, read.Raw["HD95"].Defined);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("{\"Patients\": [{\"PatientId\": \"1\", \"Metr", "is not an evaluation report")]
    [InlineData("{\"Raw\": {}}", "has no patients")]
    [InlineData("{\"Patients\": [{\"PatientId\": \"1\"}]}", "patient entry 1 has no id or no metrics")]
    [InlineData("{\"Patients\": [null]}", "patient entry 1 has no id or no metrics")]
    public void ReadingRefusesWhatIsNotAReport(string text, string expected)
    {
        var path = TemporaryPath();
        try
        {
            File.WriteAllText(path, text);
            var error = Assert.Throws<InvalidDataException>(() => VolumeEvaluationReport.ReadJson(path));
            Assert.Contains(expected, error.Message);
            Assert.Contains(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadingAMissingFileNamesIt()
    {
        var path = TemporaryPath();
        Assert.Contains(path, Assert.Throws<FileNotFoundException>(() => VolumeEvaluationReport.ReadJson(path)).Message);
    }

    static string TemporaryPath() => Path.Combine(Path.GetTempPath(), $"report-{Guid.NewGuid():N}.json");
}
