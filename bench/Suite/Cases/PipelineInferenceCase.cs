using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using MLNet.UNet.Bench.Measure;

namespace MLNet.UNet.Bench.Cases;

/// <summary>
/// The saved ML.NET pipeline (ExtractPixels -> UNetSegment -> Threshold) scoring in-memory images, loaded as an
/// application would load it: Model.Load + PredictionEngine + first prediction, then batch 1 through the engine and
/// 8 rows through Transform. Peak memory is the scoring process's; it does not touch TorchSharp.
/// </summary>
static class PipelineInferenceCase
{
    public static JsonObject Run(string folder, int size, int runs)
    {
        return size switch
        {
            128 => Score<ImageRow128>(folder, size, runs),
            256 => Score<ImageRow256>(folder, size, runs),
            _ => throw ImageRow.UnsupportedSize(size),
        };
    }

    // ML.NET disposes each in-memory image once its row has been read, so every pass gets new images (made untimed).
    static double Batch8Seconds<TRow>(MLContext context, ITransformer model, int size, int runs) where TRow : ImageRow, new()
    {
        var times = new List<double>();
        for (int run = 0; run < runs + 1; run++)
        {
            var eight = context.Data.LoadFromEnumerable(BenchImages.Rows<TRow>(8, size, seed: 3), BenchImages.Schema<TRow>(size));
            long start = Stopwatch.GetTimestamp();
            int count = context.Data.CreateEnumerable<MaskRow>(model.Transform(eight), reuseRowObject: false).Count();
            if (count != 8)
                throw new InvalidOperationException($"The pipeline returned {count} rows for 8 images.");
            if (run > 0)
                times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return times.Order().ElementAt(times.Count / 2);
    }

    static JsonObject Score<TRow>(string folder, int size, int runs) where TRow : ImageRow, new()
    {
        long start = Stopwatch.GetTimestamp();
        var context = new MLContext(seed: 1);
        var model = context.Model.Load(Path.Combine(folder, "pipeline.zip"), out _);
        var engine = context.Model.CreatePredictionEngine<TRow, MaskRow>(model, inputSchemaDefinition: BenchImages.Schema<TRow>(size));
        var rows = BenchImages.Rows<TRow>(8, size, seed: 2);
        engine.Predict(rows[0]);
        double loadFirst = Stopwatch.GetElapsedTime(start).TotalSeconds;

        double b1 = Timing.MedianSeconds(runs, () => engine.Predict(rows[0]));
        double b8 = Batch8Seconds<TRow>(context, model, size, Math.Max(3, runs / 3));
        return new JsonObject
        {
            ["latency_b1_ms"] = b1 * 1000, ["throughput_b8"] = 8 / b8, ["load_first_seconds"] = loadFirst,
            ["peak_rss_mb"] = ProcessMemory.PeakResidentMegabytes(),
            ["libtorch_loaded"] = ProcessMemory.HasLoaded("libtorch"),
        };
    }
}
