using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace MLNet.UNet.Bench.Report;

/// <summary>What the figures were measured on: CPU, memory, OS, runtimes and thread settings.</summary>
static class MachineInfo
{
    public static JsonObject Describe(SuiteSettings settings, JsonObject results)
    {
        string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        bool avx512 = File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Contains(" avx512f"));
        string memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        return new JsonObject
        {
            ["cpu"] = cpu + (avx512 ? " (AVX-512)" : ""),
            ["cpu_identity"] = MLNet.UNet.Runtime.CpuIdentity.Current.ToString(),
            ["logical_cpus"] = Environment.ProcessorCount,
            ["memory"] = $"{long.Parse(memory.Split(' ')[0]) / 1024 / 1024} GB",
            ["os"] = RuntimeInformation.OSDescription,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["torchsharp"] = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3),
            ["onnxruntime"] = typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString(3),
            ["pytorch"] = results["peak.pytorch"]?["torch"]?.GetValue<string>(),
            ["libtorch_threads"] = settings.Threads,
            ["pytorch_threads"] = results["peak.pytorch"]?["threads"]?.GetValue<int>(),
            ["onnxruntime_threads"] = $"ML.NET pipeline: ML.NET's own session options; bare session: {settings.Threads} intra-op threads, no memory arena",
            ["onednn_max_cpu_isa"] = results["peak.torchsharp"]?["onednn_isa"]?.GetValue<string>() ?? "(not set: all)",
        };
    }
}
