using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Slices;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Reading a folder of image/label pairs: all at once, or one patient at a time.</summary>
public sealed class PatientFolderTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-patient-folder-").FullName;

    void WritePair(PatientVolume patient)
    {
        NiftiWriter.Write(Path.Combine(folder, $"image_{patient.PatientId}.nii.gz"), patient.Image);
        NiftiWriter.Write(Path.Combine(folder, $"label_{patient.PatientId}.nii.gz"), patient.Label, NiftiDataType.UInt8);
    }

    [Fact]
    public void EnumeratingReadsOnePatientAtATimeInNumericOrder()
    {
        foreach (var (id, shift) in new[] { ("10", 0), ("2", 1), ("7", -1) })
            WritePair(SyntheticPatients.BallAndBlock(id, shift, blockIntensity: 120));
        // Patient 7's image is broken: only reading it can find that out.
        File.WriteAllBytes(Path.Combine(folder, "image_7.nii.gz"), [1, 2, 3]);

        var patients = PatientVolume.EnumerateFolder(folder);

        Assert.Equal("2", patients.First().PatientId); // read without touching 7 or 10
        Assert.Contains("image_7.nii.gz", Assert.Throws<InvalidDataException>(() => patients.ToList()).Message);
        var two = PatientVolume.EnumerateFolder(folder, ["10", "2"]).ToList();
        Assert.Equal(["2", "10"], two.Select(p => p.PatientId));
        Assert.Equal(SyntheticPatients.BallAndBlock("10", 0, 120).Image.Data, two[1].Image.Data);
        Assert.Equal(two.Select(p => p.Label.Data), PatientVolume.ReadFolder(folder, ["2", "10"]).Select(p => p.Label.Data));
    }

    [Fact]
    public void AMissingPairOrPatientIsAnErrorBeforeAnythingIsRead()
    {
        WritePair(SyntheticPatients.BallAndBlock("1", 0, blockIntensity: 120));
        Assert.Contains("No volumes for patients 5", Assert.Throws<FileNotFoundException>(() => PatientVolume.EnumerateFolder(folder, ["1", "5"])).Message);
        File.Copy(Path.Combine(folder, "image_1.nii.gz"), Path.Combine(folder, "image_3.nii.gz"));
        Assert.Contains("has no label volume", Assert.Throws<FileNotFoundException>(() => PatientVolume.EnumerateFolder(folder)).Message);
        Assert.Throws<DirectoryNotFoundException>(() => PatientVolume.EnumerateFolder(Path.Combine(folder, "absent")));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
