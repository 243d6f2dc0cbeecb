using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace MLNet.UNet.Bench.Serving;

/// <summary>N clients, each sending its next request as soon as the last is answered, for a fixed time.</summary>
static class LoadRun
{
    public static async Task<Latencies> RunAsync(ServerProcess server, byte[] image, int concurrency, TimeSpan duration, TimeSpan warmUp)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(1),
        };
        await Clients(client, image, concurrency, warmUp, _ => { });

        var latencies = new List<double>();
        int failures = 0;
        double peakRss = server.RssMb();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakRss = Math.Max(peakRss, server.RssMb());
                await Task.Delay(100);
            }
        });
        var clock = Stopwatch.StartNew();
        await Clients(client, image, concurrency, duration, result =>
        {
            lock (latencies)
            {
                if (result.Ok) latencies.Add(result.Milliseconds);
                else failures++;
            }
        });
        var elapsed = clock.Elapsed;
        sampling.Cancel();
        await sampler;
        return new Latencies("service, POST /segment -> PNG", concurrency, elapsed, latencies, failures, peakRss);
    }

    static Task Clients(HttpClient client, byte[] image, int concurrency, TimeSpan duration, Action<(bool Ok, double Milliseconds)> record)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                long start = Stopwatch.GetTimestamp();
                using var form = new MultipartFormDataContent { { new ByteArrayContent(image), "image", "image.png" } };
                using var request = new HttpRequestMessage(HttpMethod.Post, "/segment") { Content = form };
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/png"));
                using var response = await client.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                record((response.StatusCode == HttpStatusCode.OK, Stopwatch.GetElapsedTime(start).TotalMilliseconds));
            }
        })));
    }
}
