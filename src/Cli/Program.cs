using MLNet.UNet.Cli;

// First Ctrl+C: stop after the current training step (the last epoch's checkpoint is on disk). Second: stop at once;
// every file the tool writes goes to a temporary name first, so nothing half-written is left behind.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancellation.IsCancellationRequested)
        return;
    e.Cancel = true;
    Console.Error.WriteLine("Stopping after the current step; press Ctrl+C again to stop at once.");
    cancellation.Cancel();
};
return UNetCli.Run(args, Console.Out, Console.Error, cancellation.Token);
