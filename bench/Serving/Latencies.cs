namespace MLNet.UNet.Bench.Serving;

/// <summary>What one setting measured: requests answered in the time, their latencies, failures and the server's memory.</summary>
sealed record Latencies(string Setting, int Concurrency, TimeSpan Duration, IReadOnlyList<double> Milliseconds, int Failures, double? PeakRssMb)
{
    public double RequestsPerSecond => Milliseconds.Count / Duration.TotalSeconds;

    /// <summary>The latency below which <paramref name="fraction"/> of the requests were answered (nearest rank).</summary>
    public double Percentile(double fraction)
    {
        if (Milliseconds.Count == 0)
            return double.NaN;
        var sorted = Milliseconds.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public string Row() =>
        $"| {Setting} | {Concurrency} | {RequestsPerSecond:F1} | {Percentile(0.5):F1} | {Percentile(0.95):F1} | {Percentile(0.99):F1} | {Failures} | " +
        $"{(PeakRssMb is { } rss ? $"{rss:F0}" : "")} |";

    public const string Header =
        "| setting | concurrency | requests/s | p50 ms | p95 ms | p99 ms | failures | peak RSS MB |\n|---|---|---|---|---|---|---|---|";
}
