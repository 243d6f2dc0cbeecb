using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Stress;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>The stress test's fixed intensity shifts and the plausibility record, on hand-built volumes.</summary>
public sealed class StressAndPlausibilityTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-plausibility-").FullName;

    // A 4 x 4 x 2 patient: liver (1) in the first slice's left half, spleen (4) in the second slice's right half.
    static PatientVolume Patient()
    {
        var image = Enumerable.Range(0, 32).Select(i => 100f + i).ToArray();
        var label = new float[32];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 2; x++)
            {
                label[y * 4 + x] = 1;
                label[16 + y * 4 + 2 + x] = 4;
            }
        return new PatientVolume("p", new Volume(image, 4, 4, 2), new Volume(label, 4, 4, 2));
    }

    [Fact]
    public void ScaledStructuresChangesOnlyTheirVoxelsAndLeavesTheLabel()
    {
        var patient = Patient();
        var dark = new ScaledStructures("liver+spleen x0.5", 0.5f, 1, 4).Apply(patient);
        for (int i = 0; i < 32; i++)
        {
            bool organ = patient.Label.Data[i] is 1 or 4;
            Assert.Equal(organ ? patient.Image.Data[i] * 0.5f : patient.Image.Data[i], dark.Image.Data[i]);
        }
        Assert.Same(patient.Label, dark.Label);
        Assert.Equal(100f, patient.Image.Data[0]); // the original is not touched
    }

    [Fact]
    public void TheStandardShiftsTakeTheLiverAndTheSpleenFromTheOrgansNames()
    {
        var renumbered = IntensityShift.StandardFor(OrganLabels.Parse("spleen=1,Liver=6"));
        Assert.Equal(IntensityShift.Standard.Select(s => s.Name), renumbered.Select(s => s.Name));
        Assert.Equal([6], ((ScaledStructures)renumbered[0]).Structures);
        Assert.Equal([6, 1], ((ScaledStructures)renumbered[2]).Structures);
        // Organs the model does not name keep CHAOS's values: the label files may hold them all the same.
        Assert.Equal([1, 4], ((ScaledStructures)IntensityShift.StandardFor(OrganLabels.Parse("kidney-right=2"))[2]).Structures);
    }

    [Fact]
    public void GammaKeepsTheEndsAndBendsTheMiddle()
    {
        var patient = Patient();
        var brighter = new GammaShift(0.5).Apply(patient).Image.Data;
        var darker = new GammaShift(2).Apply(patient).Image.Data;
        Assert.Equal(patient.Image.Data[0], brighter[0], 3);
        Assert.True(brighter[15] > patient.Image.Data[15] && darker[15] < patient.Image.Data[15]);
        Assert.Equal(patient.Image.Data, new GammaShift(1).Apply(patient).Image.Data);
    }

    [Fact]
    public void TheBiasFieldRunsFromHalfToDoubleAcrossEachSlice()
    {
        var image = new Volume(Enumerable.Repeat(10f, 32).Select((v, i) => i == 0 ? 0f : v).ToArray(), 4, 4, 2);
        var shifted = new LinearBiasField(2).Apply(new PatientVolume("p", image, image.WithData(new float[32]))).Image;
        Assert.Equal(20f, shifted[3, 3, 0], 3);  // far corner: gain 2
        Assert.Equal(5f, shifted[0, 0, 1], 3);   // near corner of the second slice: gain 0.5
        Assert.Equal("bias field x0.5-2", new LinearBiasField(2).Name);
        Assert.Equal(6, IntensityShift.Standard.Count);
    }

    [Fact]
    public void OrganStatisticsMeasureVolumeLargestSliceAndConfidence()
    {
        var voxels = new bool[32];
        for (int i = 0; i < 8; i++)
            voxels[i] = true;        // 8 voxels in slice 0
        voxels[20] = true;           // 1 in slice 1
        var mask = new BinaryVolume(voxels, 4, 4, 2, 10, 10, 10); // 1 ml voxels
        var probabilities = voxels.Select(v => v ? 0.8f : 0.1f).ToArray();
        var statistics = OrganStatistics.Of(mask, probabilities);
        Assert.Equal(9, statistics.VolumeMl, 6);
        Assert.Equal(8, statistics.LargestSliceMl, 6);
        Assert.Equal(8, statistics.LargestSliceCm2, 6);   // 8 voxels of 1 cm²
        Assert.Equal(0.8, statistics.MeanConfidence, 5);
        Assert.True(double.IsNaN(OrganStatistics.Of(new BinaryVolume(new bool[32], 4, 4, 2), new float[32]).MeanConfidence));
    }

    [Fact]
    public void ARecordFlagsOrgansFarOutsideWhatWasSeenAndNothingWithin()
    {
        var record = PlausibilityRecord.From([new(1400, 90, 0.95), new(1800, 110, 0.9), new(0, 0, double.NaN)]);
        Assert.Equal((2, 1400.0, 1800.0, 110.0, 0.9), (record.Cases, record.VolumeMlMin, record.VolumeMlMax, record.LargestSliceMlMax, record.MeanConfidenceMin));
        Assert.Empty(record.Check(new(1500, 100, 0.93)));
        Assert.Empty(record.Check(new(800, 60, 0.85)));                      // within the margins
        Assert.Contains("far below", Assert.Single(record.Check(new(6, 1, 0.9))));  // 632 voxels of a 1.25 x 1.25 x 7.7 mm grid is 7.6 ml
        Assert.Contains("far above", record.Check(new(3000, 120, 0.95))[0]);
        Assert.Contains("fullest slice", Assert.Single(record.Check(new(1500, 200, 0.95))));
        Assert.Contains("confidence", Assert.Single(record.Check(new(1500, 100, 0.6))));
        Assert.Contains("far below", Assert.Single(record.Check(new(0, 0, double.NaN))));
        Assert.Throws<ArgumentException>(() => PlausibilityRecord.From([new(0, 0, double.NaN)]));
    }

    [Fact]
    public void TheFullestSliceIsCheckedByAreaWhateverTheSliceThickness()
    {
        // Trained on 7.7 mm slices, the fullest slice 150 cm² (115.5 ml). The same anatomy in 15.4 mm slices holds twice
        // the millilitres per slice, and is not flagged; a slice of 240 cm² is, in thin slices too.
        var record = PlausibilityRecord.From([new(1400, 115.5, 0.95) { LargestSliceCm2 = 150 }, new(1800, 100, 0.95) { LargestSliceCm2 = 130 }]);
        Assert.Equal(150, record.LargestSliceCm2Max);
        Assert.Empty(record.Check(new(1600, 231, 0.95) { LargestSliceCm2 = 150 }));
        Assert.Contains("240 cm² of organ, far above the most seen in training (150 cm²)",
            Assert.Single(record.Check(new(1600, 72, 0.95) { LargestSliceCm2 = 240 })));

        // A record written before the area was kept checks millilitres, as it did.
        var earlier = record with { LargestSliceCm2Max = null };
        Assert.Contains("231.0 ml of organ", Assert.Single(earlier.Check(new(1600, 231, 0.95) { LargestSliceCm2 = 150 })));
        // So does a record made from a prediction that did not measure the area.
        Assert.Null(PlausibilityRecord.From([new(1400, 115.5, 0.95) { LargestSliceCm2 = 150 }, new(1800, 100, 0.95)]).LargestSliceCm2Max);

        // The area travels in the zip.
        var zip = Path.Combine(folder, "area.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
            archive.CreateEntry("TransformerChain/Version.txt");
        record.SaveIntoModel(zip);
        Assert.Equal(150, PlausibilityRecord.ReadFromModel(zip)!.LargestSliceCm2Max);
    }

    [Fact]
    public void TheRecordTravelsInsideAZipAndADamagedOneIsNamed()
    {
        var zip = Path.Combine(folder, "model.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
            using (var writer = new StreamWriter(archive.CreateEntry("TransformerChain/Version.txt").Open()))
                writer.Write("1");
        Assert.Null(PlausibilityRecord.ReadFromModel(zip));
        var record = new PlausibilityRecord(3, 1200, 1900, 95, 0.91) { Geometry = new InputGeometry("LAS", 300, 320) };
        record.SaveIntoModel(zip);
        record.SaveIntoModel(zip); // replaced, not added twice
        Assert.Equal(record, PlausibilityRecord.ReadFromModel(zip));
        using (var archive = System.IO.Compression.ZipFile.OpenRead(zip))
            Assert.Equal(2, archive.Entries.Count);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp*"));

        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Update))
        {
            archive.GetEntry(PlausibilityRecord.EntryName)!.Delete();
            using var writer = new StreamWriter(archive.CreateEntry(PlausibilityRecord.EntryName).Open());
            writer.Write("{ \"Cases\": 3, ");
        }
        Assert.Contains("damaged", Assert.Throws<InvalidDataException>(() => PlausibilityRecord.ReadFromModel(zip)).Message);

        // A record written before the geometry was kept reads with none, and then checks none.
        new PlausibilityRecord(3, 1200, 1900, 95, 0.91).SaveIntoModel(zip);
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Update))
        {
            var entry = archive.GetEntry(PlausibilityRecord.EntryName)!;
            string text;
            using (var reader = new StreamReader(entry.Open()))
                text = reader.ReadToEnd();
            Assert.Contains("\"Geometry\"", text);
            entry.Delete();
            using var writer = new StreamWriter(archive.CreateEntry(PlausibilityRecord.EntryName).Open());
            writer.Write("{ \"Cases\": 3, \"VolumeMlMin\": 1200, \"VolumeMlMax\": 1900, \"LargestSliceMlMax\": 95, \"MeanConfidenceMin\": 0.91 }");
        }
        Assert.Equal(new PlausibilityRecord(3, 1200, 1900, 95, 0.91), PlausibilityRecord.ReadFromModel(zip));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
