using System.IO.Compression;
using MLNet.UNet.Export;
using Onnx;

namespace MLNet.UNet.Segment;

/// <summary>
/// The U-Net's ONNX model inside a zip saved with <c>mlContext.Model.Save</c>: ML.NET's OnnxTransformer stores its model
/// as an entry ending in <c>/OnnxModel</c>, a 32-bit length then the ONNX bytes; the U-Net's is the one that carries the
/// network's options (<see cref="OnnxExporter.NetworkOptionsKey"/>). The other ONNX models of a zip (the threshold's)
/// are read the same way.
/// </summary>
internal static class SavedModelNetwork
{
    /// <summary>The U-Net's ONNX model in <paramref name="zip"/>.</summary>
    /// <exception cref="InvalidDataException">The zip holds no MLNet.UNet network.</exception>
    public static byte[] Read(string zip)
    {
        CheckExists(zip);
        using var archive = ZipFile.OpenRead(zip);
        foreach (var entry in archive.Entries)
        {
            using var content = entry.Open();
            if (UNetModel(entry.FullName, ReadAll(content)) is { } onnx)
                return onnx;
        }
        throw new InvalidDataException($"'{zip}' holds no MLNet.UNet network.");
    }

    /// <summary>
    /// Writes <paramref name="destination"/> (atomically): <paramref name="source"/> with the U-Net's ONNX model replaced by
    /// <paramref name="replace"/>'s result; every other entry is copied unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The zip holds no MLNet.UNet network.</exception>
    public static void Rewrite(string source, string destination, Func<byte[], byte[]> replace)
    {
        CheckExists(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        using var input = ZipFile.OpenRead(source);
        int replaced = 0;
        AtomicFile.Write(destination, stream =>
        {
            using var output = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var entry in input.Entries)
            {
                using var content = entry.Open();
                var bytes = ReadAll(content);
                if (UNetModel(entry.FullName, bytes) is { } onnx)
                {
                    var model = replace(onnx);
                    bytes = [.. BitConverter.GetBytes(model.Length), .. model];
                    replaced++;
                }
                var copy = output.CreateEntry(entry.FullName, CompressionLevel.Fastest);
                using var target = copy.Open();
                target.Write(bytes);
            }
            if (replaced == 0)
                throw new InvalidDataException($"'{source}' holds no MLNet.UNet network.");
        });
    }

    /// <summary>
    /// The ONNX models that OnnxTransformers stored in <paramref name="zip"/> (the U-Net's, the threshold's, ...), read
    /// all at once; entries larger than <paramref name="maxEntryBytes"/> are skipped unread.
    /// </summary>
    /// <exception cref="FileNotFoundException">The zip does not exist.</exception>
    public static IReadOnlyList<ModelProto> ReadOnnxModels(string zip, long maxEntryBytes = long.MaxValue)
    {
        CheckExists(zip);
        using var archive = ZipFile.OpenRead(zip);
        var models = new List<ModelProto>();
        foreach (var entry in archive.Entries.Where(e => e.Length <= maxEntryBytes))
        {
            using var content = entry.Open();
            if (OnnxModel(entry.FullName, ReadAll(content)) is { } onnx)
                models.Add(onnx.Model);
        }
        return models;
    }

    static byte[]? UNetModel(string entryName, byte[] entry) =>
        OnnxModel(entryName, entry) is { } onnx && onnx.Model.MetadataProps.Any(p => p.Key == OnnxExporter.NetworkOptionsKey) ? onnx.Bytes : null;

    static (byte[] Bytes, ModelProto Model)? OnnxModel(string entryName, byte[] entry)
    {
        if (!entryName.EndsWith("/OnnxModel", StringComparison.Ordinal) || entry.Length < 4 || BitConverter.ToInt32(entry, 0) != entry.Length - 4)
            return null;
        var onnx = entry.AsSpan(4).ToArray();
        try
        {
            return (onnx, ModelProto.Parser.ParseFrom(onnx));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null; // another transformer's stream
        }
    }

    static void CheckExists(string zip)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(zip);
        if (!File.Exists(zip))
            throw new FileNotFoundException($"Model '{zip}' does not exist.", zip);
    }

    static byte[] ReadAll(Stream stream)
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
