using System.CommandLine;
using System.CommandLine.Parsing;
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
        // A bare 'unet' shows what there is to run.
        var parsed = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parsed.Errors.Count > 0)
            return ParseErrors(parsed, error);
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return parsed.Invoke(configuration);
    }

    // A mistyped command line gets its errors, one line each, and where to find the options: not the whole help page.
    static int ParseErrors(ParseResult parsed, TextWriter error)
    {
        foreach (var parseError in parsed.Errors)
            error.WriteLine($"error: {Named(parseError)}{Readable(parseError.Message)}");
        var command = parsed.CommandResult.Command;
        error.WriteLine($"Run 'unet{(command is RootCommand ? "" : " " + command.Name)} --help' for the options.");
        return ExitCodes.BadInput;
    }

    // "Argument 'first' not recognized" does not say which option was given it.
    static string Named(ParseError parseError) => parseError.SymbolResult switch
    {
        OptionResult option when !parseError.Message.Contains(option.Option.Name, StringComparison.Ordinal) => option.Option.Name + ": ",
        ArgumentResult { Parent: OptionResult option } when !parseError.Message.Contains(option.Option.Name, StringComparison.Ordinal) => option.Option.Name + ": ",
        _ => "",
    };

    // "as expected type 'System.Nullable`1[System.Int32]'" says what the option takes in .NET's words, not the user's.
    static string Readable(string message) => System.Text.RegularExpressions.Regex.Replace(message,
        @"as expected type '(?:System\.Nullable`1\[)?System\.(\w+)\]?'", match => match.Groups[1].Value switch
        {
            "Int32" or "Int64" => "as a whole number",
            "Single" or "Double" => "as a number",
            "Boolean" => "as true or false",
            var other => $"as {other}",
        });
}
