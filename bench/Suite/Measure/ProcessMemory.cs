namespace MLNet.UNet.Bench.Measure;

/// <summary>This process's memory as Linux reports it in /proc/self.</summary>
static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) in MB: the high-water mark since the process started.</summary>
    public static double PeakResidentMegabytes() => StatusField("VmHWM:");

    /// <summary>Current resident set size (VmRSS) in MB.</summary>
    public static double ResidentMegabytes() => StatusField("VmRSS:");

    /// <summary>True when a native library whose file name contains <paramref name="name"/> is mapped.</summary>
    public static bool HasLoaded(string name) =>
        File.ReadLines("/proc/self/maps").Any(line => line.Contains(name, StringComparison.Ordinal));

    static double StatusField(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0]) / 1024.0;
    }
}
