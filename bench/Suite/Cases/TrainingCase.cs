using System.Text.Json.Nodes;
using MLNet.UNet.Bench.Measure;
using MLNet.UNet.Data;
using MLNet.UNet.Training;

namespace MLNet.UNet.Bench.Cases;

/// <summary>
/// Steady-state training step of a network through <see cref="UNetTrainer"/> (Adam, BCE + Dice, no augmentation,
/// synthetic shapes); the first two steps are warm-up. Peak memory is this process's.
/// </summary>
static class TrainingCase
{
    public static JsonObject Run(BenchNetwork bench, int steps)
    {
        const int warmup = 2;
        using var data = SyntheticShapes.Dataset(bench.Batch * (steps + warmup), bench.Size, bench.Size, seed: 1);
        using var trainer = new UNetTrainer(bench.Network, new TrainerOptions { Epochs = 1, BatchSize = bench.Batch, Seed = 1 });
        var stepSeconds = new List<double>();
        var dataSeconds = new List<double>();
        trainer.Fit(data, progress: p =>
        {
            if (p.EpochCompleted)
                return;
            stepSeconds.Add(p.StepSeconds);
            dataSeconds.Add(p.DataSeconds);
        });
        var steady = stepSeconds.Skip(warmup).ToArray();
        double mean = steady.Average();
        return new JsonObject
        {
            ["step_seconds"] = mean,
            ["step_seconds_median"] = steady.Order().ElementAt(steady.Length / 2),
            ["images_per_second"] = bench.Batch / mean,
            ["data_fraction"] = dataSeconds.Skip(warmup).Sum() / steady.Sum(),
            ["conv_gflops"] = bench.TrainingConvFlops() * bench.Batch / mean / 1e9,
            ["parameters"] = trainer.Network.ParameterCount,
            ["peak_rss_mb"] = ProcessMemory.PeakResidentMegabytes(),
        };
    }
}
