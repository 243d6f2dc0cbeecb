namespace MLNet.UNet.Cli.Tests;

/// <summary>Runs the tool in-process and keeps what it printed.</summary>
internal sealed record ToolRun(int ExitCode, string Output, string Error)
{
    public static ToolRun Of(params string[] args) => Of(CancellationToken.None, args);

    public static ToolRun Of(CancellationToken cancellation, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = UNetCli.Run(args, output, error, cancellation);
        return new ToolRun(code, output.ToString(), error.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
}
