using System.Diagnostics;
using System.Text.Json.Nodes;

namespace MLNet.UNet.Bench.Measure;

/// <summary>
/// Runs one benchmark case in a process of its own, so that its peak memory and its load times are its own, and
/// reads the JSON object the case prints on its last line starting with <see cref="ResultPrefix"/>.
/// </summary>
static class ChildProcess
{
    /// <summary>Marks the result line among whatever else a child prints.</summary>
    public const string ResultPrefix = "RESULT ";

    /// <summary>Runs this benchmark program with <c>--case</c> arguments.</summary>
    public static JsonObject RunCase(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var self = Environment.ProcessPath!;
        var prefix = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? new[] { typeof(ChildProcess).Assembly.Location }
            : [];
        return Run(self, prefix.Concat(arguments), timeout);
    }

    /// <summary>Runs a program that prints a single JSON object on stdout (the PyTorch side).</summary>
    public static JsonObject Run(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish in {timeout}.");
        }
        var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = lines.LastOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal))?[ResultPrefix.Length..]
                     ?? lines.LastOrDefault(l => l.StartsWith('{'));
        if (process.ExitCode != 0 || result is null)
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', start.ArgumentList)} failed (exit {process.ExitCode}): " +
                string.Join(" | ", stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(5)));
        return JsonNode.Parse(result)!.AsObject();
    }
}
