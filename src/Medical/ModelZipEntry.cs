using System.IO.Compression;
using System.Text.Json;

namespace MLNet.UNet.Medical;

/// <summary>
/// A JSON entry of its own inside an ML.NET model zip (organ list, plausibility records), which ML.NET's
/// <c>Model.Load</c> ignores. One place for how such entries are written and read back.
/// </summary>
internal static class ModelZipEntry
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Adds (or replaces) the entry in place, for a file not yet under its final name (inside <see cref="AtomicFile.WriteVia"/>).</summary>
    public static void Write<T>(string modelPath, string entryName, T value)
    {
        using var zip = ZipFile.Open(modelPath, ZipArchiveMode.Update);
        zip.GetEntry(entryName)?.Delete();
        using var stream = zip.CreateEntry(entryName).Open();
        JsonSerializer.Serialize(stream, value, Json);
    }

    /// <summary>The entry's value, or null when the zip has no such entry.</summary>
    /// <param name="modelPath">The model zip.</param>
    /// <param name="entryName">The entry.</param>
    /// <param name="what">What the entry holds, for the error message ("organ list" gives "The organ list in ...").</param>
    /// <exception cref="InvalidDataException">The entry is empty or not the JSON expected.</exception>
    public static T? Read<T>(string modelPath, string entryName, string what) where T : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        using var zip = ZipFile.OpenRead(modelPath);
        if (zip.GetEntry(entryName) is not { } entry)
            return null;
        try
        {
            using var stream = entry.Open();
            return JsonSerializer.Deserialize<T>(stream, Json) ?? throw new InvalidDataException($"The {what} in '{modelPath}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The {what} in '{modelPath}' is damaged ({e.Message}).", e);
        }
    }
}
