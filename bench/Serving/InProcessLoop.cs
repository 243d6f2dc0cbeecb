using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Medical.Inference;

namespace MLNet.UNet.Bench.Serving;

/// <summary>The baseline: one PredictionEngine over the same zip, in this process, in a loop on one thread.</summary>
static class InProcessLoop
{
    public static Latencies Run(string zip, string image, TimeSpan duration, TimeSpan warmUp)
    {
        var context = new MLContext();
        var (model, _, _) = ModelKind.Load(context, new FileInfo(zip));
        using var loaded = model as IDisposable;
        using var engine = context.Model.CreatePredictionEngine<ImageFile, Probabilities>(model);
        var input = new ImageFile { ImagePath = image };
        Loop(engine, input, warmUp, _ => { });
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        Loop(engine, input, duration, latencies.Add);
        return new Latencies("in-process loop, PredictionEngine.Predict", 1, clock.Elapsed, latencies, 0,
            ProcessMemory.RssMb(Environment.ProcessId));
    }

    static void Loop(PredictionEngine<ImageFile, Probabilities> engine, ImageFile input, TimeSpan duration, Action<double> record)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            long start = Stopwatch.GetTimestamp();
            engine.Predict(input);
            record(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }

    sealed class ImageFile
    {
        [ColumnName(ModelKind.ImagePathColumnName)]
        public string ImagePath { get; set; } = "";
    }

    sealed class Probabilities
    {
        public float[] Probability { get; set; } = [];
    }
}
