using System.CommandLine;
using MLNet.UNet.Cli.Commands;

namespace MLNet.UNet.Cli;

/// <summary>The tool's entry point, usable in-process (tests) with any writers and cancellation token.</summary>
public static class UNetCli
{
    /// <summary>Parses and runs a command line; returns the exit code (0 success, 1 bad input, 2 failure, 130 interrupted).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellation = default)
    {
        var environment = new CliEnvironment(output, error, cancellation);
        var root = new RootCommand("""
            unet: U-Net segmentation with ML.NET - train, evaluate, predict, export and inspect models.
            Exit codes: 0 success, 1 bad input, 2 failure, 130 interrupted.
            """)
        {
            TrainCommand.Create(environment),
            EvaluateCommand.Create(environment),
            PredictCommand.Create(environment),
            ExportCommand.Create(environment),
            InfoCommand.Create(environment),
            DoctorCommand.Create(environment),
        };
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return root.Parse(args).Invoke(configuration);
    }
}
