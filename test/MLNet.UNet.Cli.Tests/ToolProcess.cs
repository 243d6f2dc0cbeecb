using System.Diagnostics;

namespace MLNet.UNet.Cli.Tests;

/// <summary>The tool in a child process (<c>dotnet unet.dll</c>), so that it can be killed like a real run.</summary>
internal sealed class ToolProcess : IDisposable
{
    readonly Process process;
    readonly Task<string> output;
    readonly Task<string> error;

    ToolProcess(Process process)
    {
        this.process = process;
        output = process.StandardOutput.ReadToEndAsync();
        error = process.StandardError.ReadToEndAsync();
    }

    /// <summary>
    /// Starts the tool with <paramref name="temporaryRoot"/> as its system temporary folder: a killed run leaves its own
    /// temporary folder (ML.NET's model copies) and .NET's diagnostic pipes there, which the test's folder should hold.
    /// </summary>
    public static ToolProcess Start(string temporaryRoot, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "unet.dll"));
        foreach (var argument in args)
            start.ArgumentList.Add(argument);
        Directory.CreateDirectory(temporaryRoot);
        start.Environment["TMPDIR"] = temporaryRoot;
        return new ToolProcess(Process.Start(start)!);
    }

    /// <summary>Runs the tool to its end.</summary>
    public static ToolRun Run(string temporaryRoot, params string[] args)
    {
        using var tool = Start(temporaryRoot, args);
        tool.process.WaitForExit();
        return new ToolRun(tool.process.ExitCode, tool.output.Result, tool.error.Result);
    }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>Kills the tool (SIGKILL: no handler runs) and waits until it is gone.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public void Dispose()
    {
        if (!process.HasExited)
            Kill();
        process.Dispose();
    }
}
