using System.Text.Json.Nodes;
using MLNet.UNet.Bench.Measure;
using MLNet.UNet.Data;
using MLNet.UNet.Training;

namespace MLNet.UNet.Bench.Cases;

/// <summary>
/// Steady-state training step of a network through <see cref="UNetTrainer"/> (Adam, BCE + Dice, no augmentation,
/// synthetic shapes); the first two steps are warm-up. Peak memory is this process's. The convolution routes are
/// chosen before the clock starts (from the check cache, or checked then: <c>route_check_seconds</c>).
/// </summary>
static class TrainingCase
{
    public static JsonObject Run(BenchNetwork bench, int steps)
    {
        const int warmup = 2;
        using var data = SyntheticShapes.Dataset(bench.Batch * (steps + warmup), bench.Size, bench.Size, seed: 1);
        using var trainer = new UNetTrainer(bench.Network, new TrainerOptions { Epochs = 1, BatchSize = bench.Batch, Seed = 1 });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var routes = trainer.Network.PrepareConvolutionRoutes();
        double checkSeconds = clock.Elapsed.TotalSeconds;
        var timings = new StepTimings(warmup);
        trainer.Fit(data, progress: timings.Report);
        double mean = timings.MeanStepSeconds;
        return new JsonObject
        {
            ["step_seconds"] = mean,
            ["step_seconds_median"] = timings.MedianStepSeconds,
            ["images_per_second"] = bench.Batch / mean,
            ["data_fraction"] = timings.DataFraction,
            ["conv_gflops"] = bench.TrainingConvFlops() * bench.Batch / mean / 1e9,
            ["parameters"] = trainer.Network.ParameterCount,
            ["peak_rss_mb"] = ProcessMemory.PeakResidentMegabytes(),
            ["routes"] = MLNet.UNet.Runtime.TorchRuntime.ForcedConvolutionRoute is { } forced
                ? $"forced {forced}"
                : string.Join(", ", routes.GroupBy(r => r.Route).Select(g => $"{g.Key} {g.Count()}")),
            ["onednn_faulty_shapes"] = routes.Count(r => r.OneDnnFaulty),
            ["route_check_seconds"] = checkSeconds,
        };
    }
}
