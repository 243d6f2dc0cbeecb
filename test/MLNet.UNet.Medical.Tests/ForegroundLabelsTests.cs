using System.IO.Compression;
using MLNet.UNet.Medical.Slices;

namespace MLNet.UNet.Medical.Tests;

/// <summary>The label values of a one-organ model: taken from its mapping, kept in a zip, and read back as the mapping to evaluate with.</summary>
public sealed class ForegroundLabelsTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-foreground-labels-").FullName;

    [Fact]
    public void TheValuesAMappingSendsToTheOrganRoundTripThroughAZip()
    {
        // Both kidneys as one organ; the spleen is a second class and not the foreground.
        var mapping = new LabelMapping(new Dictionary<int, int> { [3] = 1, [2] = 1, [4] = 2 });
        var foreground = ForegroundLabels.Of(mapping);
        Assert.Equal([2, 3], foreground.Values);
        Assert.False(foreground.IsExactly(2));
        Assert.True(ForegroundLabels.Of(LabelMapping.Liver).IsExactly(1));

        var zip = Path.Combine(folder, "model.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
            archive.CreateEntry("other.txt");
        Assert.Null(ForegroundLabels.ReadFromModel(zip));
        foreground.WriteInto(zip);
        var read = ForegroundLabels.ReadFromModel(zip)!;
        Assert.Equal([2, 3], read.Values);
        var evaluated = read.ToMapping();
        Assert.Equal([1f, 1f, 0f, 0f], new[] { 2f, 3f, 4f, 1f }.Select(evaluated.Map));
    }

    [Fact]
    public void AnEmptyStoredListIsRefusedNamingTheZip()
    {
        var zip = Path.Combine(folder, "empty.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(archive.CreateEntry(ForegroundLabels.EntryName).Open()))
            writer.Write("{\"Values\": []}");
        var error = Assert.Throws<InvalidDataException>(() => ForegroundLabels.ReadFromModel(zip));
        Assert.Contains(zip, error.Message);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
