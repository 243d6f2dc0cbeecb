using System.Diagnostics;
using System.Text.Json.Nodes;
using MLNet.UNet.Bench.Measure;
using MLNet.UNet.Data;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;

namespace MLNet.UNet.Bench.Cases;

/// <summary>
/// The CHAOS data path with the LiverMri example's network and augmentation (base 24, depth 5, batch norm,
/// 128 x 128, batch 8, affine + intensity): the one-time cost of reading the NIfTI volumes into normalised slices,
/// then, per training step, the fraction of the step spent gathering and augmenting the batch before the network runs.
/// </summary>
static class DataPathCase
{
    public static JsonObject Run(string dataFolder, int steps)
    {
        const int warmup = 2, batch = 8;
        long start = Stopwatch.GetTimestamp();
        var patients = PatientVolume.ReadFolder(dataFolder);
        var slices = SliceLoader.Slices(patients, new SliceLoaderOptions { ImageSize = 128, EmptySliceFraction = 0.5 });
        using var dataset = SegmentationDataset.FromArrays(slices.Select(s => s.Features).ToList(), slices.Select(s => s.Label).ToList(), 1, 128, 128);
        double loadSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        var options = new TrainerOptions
        {
            Epochs = 1, BatchSize = batch, Optimizer = OptimizerKind.AdamW, WeightDecay = 1e-4, MaxGradientNorm = 5, Seed = 1,
            Augmentation = new AugmentationOptions
            {
                AffineProbability = 0.7, MaxRotationDegrees = 15, MaxScaleChange = 0.15, MaxShiftFraction = 0.08,
                BrightnessProbability = 0.3, ContrastProbability = 0.3, GammaProbability = 0.3, NoiseProbability = 0.2,
            },
        };
        using var trainer = new UNetTrainer(new UNetOptions { Depth = 5, BaseFilters = 24, BatchNorm = true }, options);
        var stepSeconds = new List<double>();
        var dataSeconds = new List<double>();
        int count = Math.Min(dataset.Count, batch * (steps + warmup));
        using var subset = SegmentationDataset.FromTensors(dataset.Images.narrow(0, 0, count), dataset.Masks.narrow(0, 0, count));
        trainer.Fit(subset, progress: p =>
        {
            if (p.EpochCompleted)
                return;
            stepSeconds.Add(p.StepSeconds);
            dataSeconds.Add(p.DataSeconds);
        });
        double steadyStep = stepSeconds.Skip(warmup).Sum(), steadyData = dataSeconds.Skip(warmup).Sum();
        return new JsonObject
        {
            ["patients"] = patients.Count, ["slices"] = slices.Count, ["load_seconds"] = loadSeconds,
            ["step_seconds"] = steadyStep / (stepSeconds.Count - warmup),
            ["data_ms_per_step"] = 1000 * steadyData / (dataSeconds.Count - warmup),
            ["data_fraction"] = steadyData / steadyStep,
            ["peak_rss_mb"] = ProcessMemory.PeakResidentMegabytes(),
        };
    }
}
