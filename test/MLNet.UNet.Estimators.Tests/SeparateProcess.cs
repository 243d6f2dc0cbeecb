using System.Diagnostics;
using Xunit.Abstractions;

namespace MLNet.UNet.Tests;

/// <summary>A saved zip scored in another process that has no TorchSharp and no MLNet.UNet, as a user's scoring app.</summary>
internal static class SeparateProcess
{
    /// <summary>Scores <paramref name="rows"/> with the zip in test/ScoringProcess, which references ML.NET and ONNX Runtime only.</summary>
    public static List<float[]> Score(ITestOutputHelper output, string folder, string zip, string column, List<ImageRow> rows)
    {
        var scores = Path.Combine(folder, $"scores-{column}.bin");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { ScoringProcessPath(), zip, column, scores }.Concat(rows.Select(r => r.ImagePath)))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "the scoring process did not finish in 2 minutes");
        output.WriteLine(stdout.Result + stderr.Result);
        Assert.True(process.ExitCode == 0, $"scoring process exit code {process.ExitCode}: {stderr.Result}");
        var bytes = File.ReadAllBytes(scores);
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        int perRow = values.Length / rows.Count;
        return Enumerable.Range(0, rows.Count).Select(r => values[(r * perRow)..((r + 1) * perRow)]).ToList();
    }

    // The console project in test/ScoringProcess, built beside this one (same configuration and layout).
    static string ScoringProcessPath()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var layout = new List<string>();
        var folder = here;
        while (folder is not null && folder.Name != "bin")
        {
            layout.Insert(0, folder.Name);
            folder = folder.Parent;
        }
        Assert.NotNull(folder);
        var path = Path.Combine([folder.Parent!.Parent!.FullName, "ScoringProcess", "bin", .. layout, "ScoringProcess.dll"]);
        Assert.True(File.Exists(path), $"ScoringProcess was not built at {path}");
        return path;
    }
}
