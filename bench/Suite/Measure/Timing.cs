using System.Diagnostics;

namespace MLNet.UNet.Bench.Measure;

/// <summary>Wall-clock timing: a few untimed warm-up calls, then timed calls.</summary>
static class Timing
{
    /// <summary>Median seconds of <paramref name="runs"/> calls after <paramref name="warmup"/> untimed ones.</summary>
    public static double MedianSeconds(int runs, Action action, int warmup = 2)
    {
        var times = SortedSeconds(runs, action, warmup);
        return runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
    }

    /// <summary>The fastest of <paramref name="runs"/> calls: a machine's limit, which noise can only hide.</summary>
    public static double BestSeconds(int runs, Action action, int warmup = 2) => SortedSeconds(runs, action, warmup)[0];

    static double[] SortedSeconds(int runs, Action action, int warmup)
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
        return times;
    }
}
