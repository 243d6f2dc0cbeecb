using MLNet.UNet.Training;

namespace MLNet.UNet.Bench.Measure;

/// <summary>Collects the trainer's per-step timings and sums them after the warm-up steps.</summary>
sealed class StepTimings(int warmup)
{
    readonly List<(double Step, double Data)> steps = [];

    /// <summary>Pass as the trainer's progress callback.</summary>
    public void Report(TrainingProgress progress)
    {
        if (!progress.EpochCompleted)
            steps.Add((progress.StepSeconds, progress.DataSeconds));
    }

    IEnumerable<(double Step, double Data)> Steady => steps.Skip(warmup);

    /// <summary>Mean step time after the warm-up, seconds.</summary>
    public double MeanStepSeconds => Steady.Average(s => s.Step);

    /// <summary>Median step time after the warm-up, seconds.</summary>
    public double MedianStepSeconds => Steady.Select(s => s.Step).Order().ElementAt(Steady.Count() / 2);

    /// <summary>Mean batch-preparation time after the warm-up, seconds.</summary>
    public double MeanDataSeconds => Steady.Average(s => s.Data);

    /// <summary>Share of the step time spent preparing batches, after the warm-up.</summary>
    public double DataFraction => Steady.Sum(s => s.Data) / Steady.Sum(s => s.Step);
}
