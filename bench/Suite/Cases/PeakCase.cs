using System.Text.Json.Nodes;
using MLNet.UNet.Bench.Measure;
using static TorchSharp.torch;

namespace MLNet.UNet.Bench.Cases;

/// <summary>
/// The machine's limit as libtorch/oneDNN reaches it: forward 3x3 convolution GFLOP/s at the U-Net's channel
/// counts and sizes (channels in = out, batch 4), and a 4096 x 4096 matmul, each the fastest of several runs.
/// The best convolution is the peak.
/// </summary>
static class PeakCase
{
    public static readonly (int Channels, int Size)[] Convolutions = [(32, 256), (64, 128), (128, 64), (256, 32), (512, 16)];

    public static JsonObject Run()
    {
        var gflops = new JsonObject();
        using (no_grad())
        {
            foreach (var (channels, size) in Convolutions)
            {
                using var scope = NewDisposeScope();
                var input = randn(4, channels, size, size);
                var conv = nn.Conv2d(channels, channels, 3, padding: 1, bias: false);
                double seconds = Timing.BestSeconds(10, () =>
                {
                    using var inner = NewDisposeScope();
                    conv.forward(input);
                });
                gflops[$"conv{channels}@{size}"] = 2.0 * channels * channels * 9 * size * size * 4 / seconds / 1e9;
            }
            using (var scope = NewDisposeScope())
            {
                var a = randn(4096, 4096);
                var b = randn(4096, 4096);
                double seconds = Timing.BestSeconds(5, () =>
                {
                    using var inner = NewDisposeScope();
                    a.matmul(b);
                });
                gflops["matmul4096"] = 2.0 * 4096 * 4096 * 4096 / seconds / 1e9;
            }
        }
        return new JsonObject { ["gflops"] = gflops, ["onednn_isa"] = MLNet.UNet.Runtime.TorchRuntime.OneDnnMaxCpuIsa };
    }
}
