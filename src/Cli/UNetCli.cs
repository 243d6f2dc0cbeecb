using System.CommandLine;
using MLNet.UNet.Cli.Commands;

namespace MLNet.UNet.Cli;

/// <summary>The tool's entry point, usable in-process (tests) with any writers and cancellation token.</summary>
public static class UNetCli
{
    /// <summary>Parses and runs a command line; returns the exit code (0 success, 1 bad input, 2 failure, 3 flagged with --fail-on-warning, 130 interrupted).</summary>
    /// <param name="args">The command line, without the tool's name.</param>
    /// <param name="output">Where results and progress are written.</param>
    /// <param name="error">Where errors are written.</param>
    /// <param name="cancellation">Stops training after the current step; the other commands do not look at it.</param>
    /// <param name="temporaryRoot">
    /// Where the command makes the folder for its temporary files, deleted when it ends; the system's temporary folder if null.
    /// </param>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellation = default, string? temporaryRoot = null)
    {
        var environment = new CliEnvironment(output, error, cancellation, temporaryRoot);
        var root = new RootCommand("""
            unet: U-Net segmentation with ML.NET - train, evaluate, predict, export and inspect models.
            Exit codes: 0 success, 1 bad input, 2 failure, 3 a prediction flagged implausible (with --fail-on-warning), 130 interrupted.
            """)
        {
            TrainCommand.Create(environment),
            EvaluateCommand.Create(environment),
            PredictCommand.Create(environment),
            ExportCommand.Create(environment),
            EnsembleCommand.Create(environment),
            InfoCommand.Create(environment),
            DoctorCommand.Create(environment),
        };
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return root.Parse(args).Invoke(configuration);
    }
}
