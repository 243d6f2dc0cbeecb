using Microsoft.ML;
using MLNet.UNet.Runtime;

namespace MLNet.UNet.Cli;

/// <summary>
/// What a command runs with: where it writes, what stops it, where its temporary files go, and how failures become
/// exit codes.
/// </summary>
/// <param name="temporaryRoot">The folder in which the command makes its temporary folder; the system's temporary folder if null.</param>
internal sealed class CliEnvironment(TextWriter output, TextWriter error, CancellationToken cancellation, string? temporaryRoot = null)
{
    string? temporaryFolder;

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public CancellationToken Cancellation { get; } = cancellation;

    public void ApplyThreads(int? threads)
    {
        if (threads is { } count)
            Commands.CommandOptions.Flagged("--threads", () => TorchRuntime.Threads = count);
    }

    /// <summary>
    /// A context whose temporary files (the ONNX model copies of ML.NET and of this project's transformers) go to a
    /// folder of this command that is deleted when the command ends. A model load that fails inside ML.NET leaves a
    /// copy that no object owns; deleting the folder is the only way to remove it. The folder is made only by what
    /// writes into it, so a command killed before that (a training run, for most of its time) leaves none.
    /// </summary>
    public MLContext CreateContext(int? seed = null)
    {
        temporaryFolder ??= Path.Combine(temporaryRoot ?? Path.GetTempPath(), $"unet-cli-{Guid.NewGuid():N}");
        return new MLContext(seed) { TempFilePath = temporaryFolder };
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
        finally
        {
            DeleteTemporaryFolder();
        }
    }

    // Leftovers are only disk space in the temporary folder; they must not change the command's exit code.
    void DeleteTemporaryFolder()
    {
        if (temporaryFolder is null)
            return;
        try
        {
            if (Directory.Exists(temporaryFolder))
                Directory.Delete(temporaryFolder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        temporaryFolder = null;
    }
}
