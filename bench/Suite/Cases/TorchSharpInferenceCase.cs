using System.Diagnostics;
using System.Text.Json.Nodes;
using MLNet.UNet.Bench.Measure;
using MLNet.UNet.Networks;
using static TorchSharp.torch;

namespace MLNet.UNet.Bench.Cases;

/// <summary>TorchSharp eval-mode inference (sigmoid probabilities): load + first prediction, batch 1, batch 8.</summary>
static class TorchSharpInferenceCase
{
    public static JsonObject Run(BenchNetwork bench, string folder, int runs)
    {
        long start = Stopwatch.GetTimestamp();
        using var network = new UNetNetwork(bench.Network);
        network.load(Path.Combine(folder, "network.dat"));
        network.eval();
        using var noGrad = no_grad();
        var one = rand(1, bench.Network.InputChannels, bench.Size, bench.Size);
        var eight = rand(8, bench.Network.InputChannels, bench.Size, bench.Size);
        Predict(network, one);
        double loadFirst = Stopwatch.GetElapsedTime(start).TotalSeconds;

        double b1 = Timing.MedianSeconds(runs, () => Predict(network, one));
        double b8 = Timing.MedianSeconds(Math.Max(3, runs / 3), () => Predict(network, eight));
        return new JsonObject
        {
            ["latency_b1_ms"] = b1 * 1000, ["throughput_b8"] = 8 / b8, ["load_first_seconds"] = loadFirst,
            ["peak_rss_mb"] = ProcessMemory.PeakResidentMegabytes(),
        };
    }

    static void Predict(UNetNetwork network, Tensor input)
    {
        using var scope = NewDisposeScope();
        network.Predict(input).data<float>().ToArray();
    }
}
