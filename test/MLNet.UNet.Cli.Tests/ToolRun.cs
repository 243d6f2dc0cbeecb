namespace MLNet.UNet.Cli.Tests;

/// <summary>Runs the tool in-process and keeps what it printed.</summary>
internal sealed record ToolRun(int ExitCode, string Output, string Error)
{
    public static ToolRun Of(params string[] args) => Of(CancellationToken.None, args);

    public static ToolRun Of(CancellationToken cancellation, params string[] args) => Of(cancellation, null, args);

    /// <summary>Runs the tool with its temporary files in a folder made in <paramref name="temporaryRoot"/>.</summary>
    public static ToolRun WithTemporaryRoot(string temporaryRoot, params string[] args) => Of(CancellationToken.None, temporaryRoot, args);

    static ToolRun Of(CancellationToken cancellation, string? temporaryRoot, string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = UNetCli.Run(args, output, error, cancellation, temporaryRoot);
        return new ToolRun(code, output.ToString(), error.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
}
