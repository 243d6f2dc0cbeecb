using System.IO.Compression;
using MLNet.UNet.Medical.Plausibility;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Per-organ plausibility records: made from statistics set here, checked, and kept in a zip.</summary>
public sealed class OrganPlausibilityTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-organ-plausibility-").FullName;

    static OrganStatistics Organ(double ml, double confidence = 0.9) => new(ml, ml / 10, ml > 0 ? confidence : double.NaN);

    [Fact]
    public void EachOrganIsCheckedAgainstItsOwnRangeAndAnOrganNeverPredictedIsNotChecked()
    {
        // Three training volumes: the liver 1200-1800 ml, the kidney 120-180 ml, the spleen never predicted.
        var record = OrganPlausibility.From(["liver", "kidney", "spleen"],
            [[Organ(1200), Organ(150), Organ(0)], [Organ(1800), Organ(120), Organ(0)], [Organ(1500), Organ(180), Organ(0)]]);
        Assert.Equal((1200, 1800), (record.Organs[0].Record!.VolumeMlMin, record.Organs[0].Record!.VolumeMlMax));
        Assert.Null(record.Organs[2].Record);

        Assert.Empty(record.Check([Organ(1300), Organ(150), Organ(500)]));
        var warnings = record.Check([Organ(100), Organ(150, confidence: 0.6), Organ(0)]);
        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("liver: organ volume 100 ml is far below the smallest seen in training (1200 ml)", warnings[0]);
        Assert.StartsWith("kidney: mean confidence inside the organ 0.60", warnings[1]);
        Assert.Contains("for 2 organs; the record holds 3", Assert.Throws<ArgumentException>(() => record.Check([Organ(1), Organ(1)])).Message);

        var zip = Path.Combine(folder, "model.zip");
        using (ZipFile.Open(zip, ZipArchiveMode.Create)) { }
        Assert.Null(OrganPlausibility.ReadFromModel(zip));
        record = record with { Geometry = new InputGeometry("LAS", 300, 320) };
        record.WriteInto(zip);
        var read = OrganPlausibility.ReadFromModel(zip)!;
        Assert.Equal(new InputGeometry("LAS", 300, 320), read.Geometry);
        // The volume's geometry is checked after the organs, and named as the volume's.
        var narrow = new MLNet.UNet.Medical.Volumes.Volume(new float[4], 2, 2, 1, 90, 90, 5); // 180 mm against 300-320
        Assert.Equal([.. warnings, .. read.Geometry!.Check(narrow)], read.Check([Organ(100), Organ(150, confidence: 0.6), Organ(0)], narrow));
        Assert.Single(read.Geometry.Check(narrow));
        Assert.Equal(["liver", "kidney", "spleen"], read.Organs.Select(o => o.Organ));
        Assert.Equal(record.Organs[1].Record, read.Organs[1].Record);
        Assert.Null(read.Organs[2].Record);
        Assert.Equal(warnings, read.Check([Organ(100), Organ(150, confidence: 0.6), Organ(0)]));

        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Update))
        {
            archive.GetEntry(OrganPlausibility.EntryName)!.Delete();
            using var writer = new StreamWriter(archive.CreateEntry(OrganPlausibility.EntryName).Open());
            writer.Write("{ \"Organs\": [ null ] }");
        }
        Assert.Contains("is damaged", Assert.Throws<InvalidDataException>(() => OrganPlausibility.ReadFromModel(zip)).Message);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
