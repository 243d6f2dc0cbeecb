using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.UNet.Checkpoints;

/// <summary>
/// The checkpoint format: a magic header and version, the options and history as JSON, the network weights,
/// the best weights and the averaged weights (each if any) and the optimizer state, in TorchSharp's own tensor
/// format. Written atomically. Version 1 files (before weight averaging) are still read.
/// </summary>
internal static class CheckpointFile
{
    const string Magic = "MLNET-UNET-CHECKPOINT";
    const int FormatVersion = 2;

    static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Save(string path, TrainingState state, UNetNetwork network, OptimizerHelper optimizer,
        IReadOnlyDictionary<string, Tensor>? bestWeights, IReadOnlyDictionary<string, Tensor>? averagedWeights)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(JsonSerializer.Serialize(state, Json));
            network.save(writer);
            WriteNamed(writer, bestWeights);
            WriteNamed(writer, averagedWeights);
            optimizer.save_state_dict(writer);
        });
    }

    static void WriteNamed(BinaryWriter writer, IReadOnlyDictionary<string, Tensor>? tensors)
    {
        writer.Write(tensors is not null);
        if (tensors is null)
            return;
        writer.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            writer.Write(name);
            tensor.Save(writer);
        }
    }

    /// <summary>Reads the header and options; the tensors are read by the returned callbacks in file order.</summary>
    public static Contents Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
            throw new InvalidDataException($"'{path}' is a directory, not a checkpoint file.");
        if (!File.Exists(path))
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        var bytes = File.ReadAllBytes(path);
        var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        TrainingState state;
        int version;
        try
        {
            if (reader.ReadString() != Magic)
                throw new InvalidDataException("the file does not start with the MLNet.UNet checkpoint header");
            version = reader.ReadInt32();
            if (version is < 1 or > FormatVersion)
                throw new InvalidDataException($"format version {version} is not supported (this build reads 1 to {FormatVersion})");
            state = JsonSerializer.Deserialize<TrainingState>(reader.ReadString(), Json)
                ?? throw new InvalidDataException("the options are empty");
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or JsonException or IOException)
        {
            throw new InvalidDataException($"'{path}' is not a readable MLNet.UNet checkpoint: {e.Message}.", e);
        }
        return new Contents(path, version, state, reader);
    }

    internal sealed class Contents(string path, int version, TrainingState state, BinaryReader reader)
    {
        public TrainingState State { get; } = state;

        public void RestoreNetwork(UNetNetwork network) => Read(() => network.load(reader));

        /// <summary>Reads the best weights; call after <see cref="RestoreNetwork"/>.</summary>
        public Dictionary<string, Tensor>? RestoreBest(UNetNetwork network) => ReadNamed(network, "best weights");

        /// <summary>Reads the averaged weights (none in version 1 files); call after <see cref="RestoreBest"/>.</summary>
        public Dictionary<string, Tensor>? RestoreAveraged(UNetNetwork network) =>
            version >= 2 ? ReadNamed(network, "averaged weights") : null;

        Dictionary<string, Tensor>? ReadNamed(UNetNetwork network, string what)
        {
            Dictionary<string, Tensor>? tensors = null;
            try
            {
                Read(() =>
                {
                    if (!reader.ReadBoolean())
                        return;
                    tensors = [];
                    var shapes = network.state_dict();
                    int count = reader.ReadInt32();
                    for (int i = 0; i < count; i++)
                    {
                        var name = reader.ReadString();
                        if (!shapes.TryGetValue(name, out var like))
                            throw new InvalidDataException($"{what} name '{name}', which the network does not have");
                        var tensor = zeros_like(like).DetachFromDisposeScope();
                        tensors[name] = tensor;
                        tensor.Load(reader);
                    }
                });
            }
            catch
            {
                foreach (var tensor in tensors?.Values.ToList() ?? [])
                    tensor.Dispose();
                throw;
            }
            return tensors;
        }

        public void RestoreOptimizer(OptimizerHelper optimizer) => Read(() => optimizer.load_state_dict(reader));

        void Read(Action action)
        {
            try
            {
                action();
            }
            catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException or IOException)
            {
                throw new InvalidDataException($"'{path}' is a damaged MLNet.UNet checkpoint: {e.Message}.", e);
            }
        }
    }
}
