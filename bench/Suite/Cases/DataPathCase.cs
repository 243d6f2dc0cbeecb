using System.Diagnostics;
using System.Text.Json.Nodes;
using MLNet.UNet.Bench.Measure;
using MLNet.UNet.Data;
using MLNet.UNet.Recipes;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Training;

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
        const int warmup = 2;
        long start = Stopwatch.GetTimestamp();
        var patients = PatientVolume.ReadFolder(dataFolder);
        var recipe = TrainingRecipes.LiverMri();
        recipe.Trainer.Epochs = 1;
        recipe.Trainer.Seed = 1;
        var sliceOptions = SliceLoaderOptions.FromRecipe(recipe, training: true);
        var slices = SliceLoader.Slices(patients, sliceOptions);
        int size = sliceOptions.ImageSize!.Value;
        using var dataset = SegmentationDataset.FromArrays(slices.Select(s => s.Features).ToList(), slices.Select(s => s.Label).ToList(),
            sliceOptions.Channels, size, size);
        double loadSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        var options = recipe.Trainer;
        using var trainer = new UNetTrainer(recipe.Network, options);
        int count = Math.Min(dataset.Count, options.BatchSize * (steps + warmup));
        using var subset = SegmentationDataset.FromTensors(dataset.Images.narrow(0, 0, count), dataset.Masks.narrow(0, 0, count));
        var timings = new StepTimings(warmup);
        trainer.Fit(subset, progress: timings.Report);
        return new JsonObject
        {
            ["patients"] = patients.Count, ["slices"] = slices.Count, ["load_seconds"] = loadSeconds,
            ["step_seconds"] = timings.MeanStepSeconds,
            ["data_ms_per_step"] = 1000 * timings.MeanDataSeconds,
            ["data_fraction"] = timings.DataFraction,
            ["peak_rss_mb"] = ProcessMemory.PeakResidentMegabytes(),
        };
    }
}
