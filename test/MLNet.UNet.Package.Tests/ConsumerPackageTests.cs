using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;

namespace MLNet.UNet.Package.Tests;

/// <summary>
/// A new application's path: the packages are packed into a local folder feed; a console app made by `dotnet new`
/// outside the repository adds MLNet.UNet from it with `dotnet add package`, then its native backends one by one. Without
/// libtorch, and then without ONNX Runtime, the README's pipeline fails with a message naming the package to add;
/// with both, it fits a tiny network on synthetic shapes, saves, loads and scores.
/// </summary>
public sealed class ConsumerPackageTests(ITestOutputHelper output) : IDisposable
{
    const string LibTorchVersion = "2.10.0";
    const string OnnxRuntimeVersion = "1.31.0";
    static readonly string[] Libraries = ["src/Trainer", "src/Estimators", "src/Medical"];

    readonly string work = Directory.CreateTempSubdirectory("unet-consumer-").FullName;
    // A version no earlier run used, so that the NuGet cache cannot hand back an older package of the same number.
    readonly string version = $"0.1.0-consumer.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    [Fact]
    public void ANewConsoleAppAddsThePackageAndItsBackendsAndRunsTheReadmePipeline()
    {
        var root = RepositoryRoot();
        var feed = Path.Combine(work, "feed");
        foreach (var project in Libraries)
            Dotnet(root, "pack", Path.Combine(root, project), "-c", Configuration, "--no-build", "-o", feed, $"-p:PackageVersion={version}");
        Assert.All(new[] { "MLNet.UNet.Trainer", "MLNet.UNet", "MLNet.UNet.Medical" },
            id => Assert.True(File.Exists(Path.Combine(feed, $"{id}.{version}.nupkg")), $"{id} was not packed"));

        var app = Path.Combine(work, "App");
        Dotnet(work, "new", "console", "-o", app, "--framework", "net10.0");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "ConsumerApp", "Program.cs"), Path.Combine(app, "Program.cs"), overwrite: true);

        Dotnet(app, "add", "package", "MLNet.UNet", "--version", version);
        var withoutLibTorch = Run(app);
        Assert.NotEqual(0, withoutLibTorch.ExitCode);
        Assert.Contains($"dotnet add package libtorch-cpu-linux-x64 --version {LibTorchVersion}", withoutLibTorch.Output);

        Dotnet(app, "add", "package", "libtorch-cpu-linux-x64", "--version", LibTorchVersion);
        var withoutOnnxRuntime = Run(app);
        Assert.NotEqual(0, withoutOnnxRuntime.ExitCode);
        Assert.Contains($"dotnet add package Microsoft.ML.OnnxRuntime --version {OnnxRuntimeVersion}", withoutOnnxRuntime.Output);

        Dotnet(app, "add", "package", "Microsoft.ML.OnnxRuntime", "--version", OnnxRuntimeVersion);
        var complete = Run(app);
        Assert.True(complete.ExitCode == 0, complete.Output);
        Assert.Contains("loaded model scores as fitted: True", complete.Output);
        Assert.DoesNotContain(Directory.EnumerateFiles(app, "*.csproj").Select(File.ReadAllText), text => text.Contains("TorchSharp-cpu"));
    }

    (int ExitCode, string Output) Run(string app)
    {
        Dotnet(app, "build", "-c", "Release");
        return Start(app, "run", "-c", "Release", "--no-build", "--", Path.Combine(work, "run"));
    }

    void Dotnet(string directory, params string[] arguments)
    {
        var (exitCode, text) = Start(directory, arguments);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} failed:\n{text}");
    }

    (int ExitCode, string Output) Start(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // The test host's MSBuild settings must not leak into a separate application's build.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var standardError = process.StandardError.ReadToEndAsync();
        var text = process.StandardOutput.ReadToEnd() + standardError.Result;
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', arguments)} did not finish in 10 minutes:\n{text}");
        }
        output.WriteLine($"$ dotnet {string.Join(' ', arguments)}  ({clock.Elapsed.TotalSeconds:F0} s, exit {process.ExitCode})");
        output.WriteLine(text.Length > 4000 ? text[..2000] + "\n...\n" + text[^2000..] : text);
        return (process.ExitCode, text);
    }

    static string Configuration =>
        typeof(ConsumerPackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "MLNet.UNet.sln")))
                return directory.FullName;
        throw new InvalidOperationException($"MLNet.UNet.sln was not found above {AppContext.BaseDirectory}.");
    }

    public void Dispose()
    {
        Directory.Delete(work, recursive: true);
        // This run's packages in the NuGet cache are of a version no other run asks for.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "mlnet.unet", "mlnet.unet.trainer", "mlnet.unet.medical" })
        {
            var folder = Path.Combine(cache, id, version);
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }
}
