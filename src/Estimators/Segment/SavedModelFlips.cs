using System.IO.Compression;
using MLNet.UNet.Export;

namespace MLNet.UNet.Segment;

/// <summary>
/// Adds test-time flips (<see cref="TestTimeFlips"/>) to a model zip saved with <c>mlContext.Model.Save</c>, so that an
/// already trained pipeline can be scored with them; <see cref="UNetSegmentOptions.TestTimeFlips"/> does it at fit time.
/// </summary>
public static class SavedModelFlips
{
    /// <summary>
    /// Writes <paramref name="destination"/> (atomically): <paramref name="source"/> with the U-Net's ONNX model wrapped
    /// in test-time flips along the axes it records it was trained with flips along; every other entry is copied unchanged. The result loads and scores with ML.NET and ONNX
    /// Runtime alone, as the source does.
    /// </summary>
    /// <exception cref="InvalidDataException">The zip holds no MLNet.UNet network, or one that already averages over flips, or one
    /// not trained with both flips (or not recording it), which flips at test time would only harm.</exception>
    public static void Write(string source, string destination)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        if (!File.Exists(source))
            throw new FileNotFoundException($"Model '{source}' does not exist.", source);
        using var input = ZipFile.OpenRead(source);
        int wrapped = 0;
        AtomicFile.Write(destination, stream =>
        {
            using var output = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var entry in input.Entries)
            {
                using var content = entry.Open();
                var bytes = ReadAll(content);
                if (entry.FullName.EndsWith("/OnnxModel", StringComparison.Ordinal) && WrappedUNetModel(bytes) is { } onnx)
                {
                    bytes = Framed(onnx);
                    wrapped++;
                }
                var copy = output.CreateEntry(entry.FullName, CompressionLevel.Fastest);
                using var target = copy.Open();
                target.Write(bytes);
            }
            if (wrapped == 0)
                throw new InvalidDataException($"'{source}' holds no MLNet.UNet network to add test-time flips to.");
        });
    }

    // ML.NET's OnnxTransformer stores its model as a 32-bit length and the ONNX bytes; ours carry the network's options.
    static byte[]? WrappedUNetModel(byte[] entry)
    {
        if (entry.Length < 4 || BitConverter.ToInt32(entry, 0) != entry.Length - 4)
            return null;
        try
        {
            return TestTimeFlips.WrapAlongTrainedAxes(entry.AsSpan(4).ToArray());
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null; // another transformer's stream
        }
    }

    static byte[] Framed(byte[] onnx) => [.. BitConverter.GetBytes(onnx.Length), .. onnx];

    static byte[] ReadAll(Stream stream)
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
