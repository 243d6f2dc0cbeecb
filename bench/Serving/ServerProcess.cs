using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace MLNet.UNet.Bench.Serving;

/// <summary>The service as its own process on a loopback port, with its resident memory read from /proc.</summary>
sealed class ServerProcess : IDisposable
{
    readonly Process process;

    ServerProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Starts the service built beside this benchmark (same configuration and runtime) over one model, and waits until it is ready.</summary>
    public static async Task<ServerProcess> StartAsync(string repository, string zip, int port, int engines)
    {
        // This benchmark runs from bench/Serving/bin/<configuration>/<framework>/<rid>/; the service was built to the same place under src/Serving.
        var build = Path.GetRelativePath(Path.Combine(repository, "bench", "Serving", "bin"), AppContext.BaseDirectory);
        var dll = Path.Combine(repository, "src", "Serving", "bin", build, "MLNet.UNet.Serving.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"The service is not built at '{dll}'; build it with 'dotnet build src/Serving -c Release'.", dll);
        var address = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repository,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Per-request logging is left at Warning: writing a console line per request would be measured too.
            ArgumentList =
            {
                "exec", dll, "--urls", address.ToString(), "--Segmentation:Models:0:Name=bench", $"--Segmentation:Models:0:Path={zip}",
                $"--Segmentation:EnginesPerModel={engines}", "--Logging:LogLevel:Default=Warning",
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("The service did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  service: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, address);
        try
        {
            await server.WaitUntilReadyAsync();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                var health = await client.GetFromJsonAsync<JsonElement>("/health");
                if (health.GetProperty("ready").GetBoolean())
                    return;
                if (health.GetProperty("failure").GetString() is { } failure)
                    throw new InvalidOperationException($"The service could not load the model: {failure}");
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException(process.HasExited ? $"The service exited with code {process.ExitCode}." : "The service was not ready within 2 minutes.");
    }

    /// <summary>The service's resident memory in MB (VmRSS of /proc/PID/status).</summary>
    public double RssMb() => ProcessMemory.RssMb(process.Id);

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
    }
}
