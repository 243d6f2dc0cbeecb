namespace MLNet.UNet.Bench.Serving;

/// <summary>Resident memory from /proc (Linux).</summary>
static class ProcessMemory
{
    public static double RssMb(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }
}
