using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;

namespace MLNet.UNet.Runtime;

/// <summary>Which kind of device a <see cref="TrainingDevice"/> names.</summary>
public enum TrainingDeviceKind
{
    /// <summary>The first CUDA GPU when TorchSharp reports CUDA available, otherwise the CPU.</summary>
    Auto,

    /// <summary>The CPU.</summary>
    Cpu,

    /// <summary>One CUDA GPU, by index.</summary>
    Cuda,
}

/// <summary>
/// Where a network trains: <see cref="Auto"/>, <see cref="Cpu"/> or <see cref="Cuda"/>(index). Written and parsed as
/// "auto", "cpu", "cuda" or "cuda:1". The network, batches, augmentation, losses, metrics and weight copies all live
/// on the resolved device; checkpoints and ONNX exports do not depend on it.
/// </summary>
[JsonConverter(typeof(TrainingDeviceJsonConverter))]
public readonly record struct TrainingDevice
{
    TrainingDevice(TrainingDeviceKind kind, int index)
    {
        Kind = kind;
        Index = index;
    }

    /// <summary>The kind of device.</summary>
    public TrainingDeviceKind Kind { get; }

    /// <summary>The CUDA device index (0 for the other kinds).</summary>
    public int Index { get; }

    /// <summary>CUDA when TorchSharp reports it available, otherwise the CPU.</summary>
    public static TrainingDevice Auto => default;

    /// <summary>The CPU.</summary>
    public static TrainingDevice Cpu => new(TrainingDeviceKind.Cpu, 0);

    /// <summary>The CUDA GPU with this index.</summary>
    public static TrainingDevice Cuda(int index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new(TrainingDeviceKind.Cuda, index);
    }

    /// <summary>Parses "auto", "cpu", "cuda" or "cuda:N" (any case).</summary>
    /// <exception cref="FormatException">Anything else; the message lists what is accepted.</exception>
    public static TrainingDevice Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim().ToLowerInvariant();
        if (value == "auto")
            return Auto;
        if (value == "cpu")
            return Cpu;
        if (value == "cuda")
            return Cuda(0);
        if (value.StartsWith("cuda:", StringComparison.Ordinal) &&
            int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return Cuda(index);
        throw new FormatException($"'{text}' is not a training device; expected auto, cpu, cuda or cuda:N (N = 0, 1, ...).");
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        TrainingDeviceKind.Cpu => "cpu",
        TrainingDeviceKind.Cuda => $"cuda:{Index}",
        _ => "auto",
    };

    /// <summary>True when TorchSharp reports CUDA usable: a CUDA build of libtorch and a GPU with its driver.</summary>
    public static bool CudaAvailable
    {
        get
        {
            TorchRuntime.EnsureInitialized();
            return torch.cuda.is_available();
        }
    }

    /// <summary>
    /// The TorchSharp device this names on this machine. Auto becomes cuda:0 or the CPU; Cuda fails here, before any
    /// training, when CUDA is not usable or has no device of that index.
    /// </summary>
    /// <exception cref="InvalidOperationException">CUDA was asked for and cannot be used; the message says why.</exception>
    public torch.Device Resolve()
    {
        switch (Kind)
        {
            case TrainingDeviceKind.Cpu:
                return torch.CPU;
            case TrainingDeviceKind.Auto:
                return CudaAvailable ? torch.CUDA : torch.CPU;
            default:
                if (!CudaAvailable)
                    throw new InvalidOperationException(
                        $"Training on {this} was asked for, but TorchSharp reports CUDA not available: the application references " +
                        $"a CPU build of libtorch ({TorchBackend.CpuPackage}), or no NVIDIA GPU and driver are present. Add a libtorch " +
                        $"CUDA {TorchBackend.LibTorchVersion} build, or train with Device = auto or cpu.");
                int count = (int)torch.cuda.device_count();
                if (Index >= count)
                    throw new InvalidOperationException(
                        $"Training on {this} was asked for, but this machine has {count} CUDA device(s): use cuda:0 to cuda:{count - 1}.");
                return new torch.Device(DeviceType.CUDA, Index);
        }
    }
}

/// <summary>Reads and writes a <see cref="TrainingDevice"/> as its text ("auto", "cpu", "cuda:0").</summary>
public sealed class TrainingDeviceJsonConverter : JsonConverter<TrainingDevice>
{
    /// <inheritdoc />
    public override TrainingDevice Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return TrainingDevice.Parse(reader.GetString() ?? "");
        }
        catch (FormatException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, TrainingDevice value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
