using MLNet.UNet.Runtime;

namespace MLNet.UNet.Cli;

/// <summary>What a command runs with: where it writes, what stops it, and how failures become exit codes.</summary>
internal sealed class CliEnvironment(TextWriter output, TextWriter error, CancellationToken cancellation)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public CancellationToken Cancellation { get; } = cancellation;

    public void ApplyThreads(int? threads)
    {
        if (threads is { } count)
            TorchRuntime.Threads = count;
    }

    /// <summary>Runs a command body; a bad input gives one line and exit code 1, any other failure exit code 2.</summary>
    public int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (ExitCodes.IsBadInput(e) || e.GetBaseException() is { } inner && ExitCodes.IsBadInput(inner) && e is System.Reflection.TargetInvocationException)
        {
            Error.WriteLine($"error: {(e is System.Reflection.TargetInvocationException ? e.GetBaseException().Message : e.Message)}");
            return ExitCodes.BadInput;
        }
        catch (Exception e)
        {
            Error.WriteLine($"failed: {e.Message}");
            Error.WriteLine(e.ToString());
            return ExitCodes.Failure;
        }
    }
}
