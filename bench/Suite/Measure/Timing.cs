using System.Diagnostics;

namespace MLNet.UNet.Bench.Measure;

/// <summary>Wall-clock timing: a few warm-up runs, then the median of the timed runs.</summary>
static class Timing
{
    /// <summary>Median seconds of <paramref name="runs"/> calls after <paramref name="warmup"/> untimed ones.</summary>
    public static double MedianSeconds(int runs, Action action, int warmup = 2)
    {
        for (int i = 0; i < warmup; i++)
            action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
    }

    /// <summary>The fastest of <paramref name="runs"/> calls: a machine's limit, which noise can only hide.</summary>
    public static double BestSeconds(int runs, Action action, int warmup = 2)
    {
        for (int i = 0; i < warmup; i++)
            action();
        double best = double.MaxValue;
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }
}
