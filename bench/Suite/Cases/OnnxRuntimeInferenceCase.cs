using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNet.UNet.Bench.Measure;

namespace MLNet.UNet.Bench.Cases;

/// <summary>
/// A bare ONNX Runtime session on the pipeline's own U-Net graph (model.onnx), tuned: load + first prediction,
/// batch 1, batch 8. The input is a ready float tensor.
/// </summary>
static class OnnxRuntimeInferenceCase
{
    public static JsonObject Run(string folder, int channels, int size, int threads, int runs)
    {
        long start = Stopwatch.GetTimestamp();
        // Tuned as a careful developer would: one intra-op thread per core, stated rather than left to ORT, and no
        // memory arena or memory pattern (about 300 MB less for the seed preset here, and no slower).
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads, EnableCpuMemArena = false, EnableMemoryPattern = false,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(Path.Combine(folder, "model.onnx"), options);
        string input = session.InputMetadata.Keys.Single();
        var one = RandomTensor(1, channels, size);
        var eight = RandomTensor(8, channels, size);
        Predict(session, input, one);
        double loadFirst = Stopwatch.GetElapsedTime(start).TotalSeconds;

        double b1 = Timing.MedianSeconds(runs, () => Predict(session, input, one));
        double b8 = Timing.MedianSeconds(Math.Max(3, runs / 3), () => Predict(session, input, eight));
        return new JsonObject
        {
            ["latency_b1_ms"] = b1 * 1000, ["throughput_b8"] = 8 / b8, ["load_first_seconds"] = loadFirst,
            ["peak_rss_mb"] = ProcessMemory.PeakResidentMegabytes(),
        };
    }

    static DenseTensor<float> RandomTensor(int batch, int channels, int size)
    {
        var random = new Random(1);
        var values = new float[batch * channels * size * size];
        for (int i = 0; i < values.Length; i++)
            values[i] = random.NextSingle();
        return new DenseTensor<float>(values, [batch, channels, size, size]);
    }

    static void Predict(InferenceSession session, string input, DenseTensor<float> tensor)
    {
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
        results[0].AsEnumerable<float>().ToArray();
    }
}
