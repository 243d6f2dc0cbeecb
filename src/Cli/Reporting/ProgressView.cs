using MLNet.UNet.Training;
using Spectre.Console;

namespace MLNet.UNet.Reporting;

/// <summary>Shows training progress: a live bar on a terminal, plain log lines when the output is a file or CI.</summary>
internal abstract class ProgressView : IDisposable
{
    public static ProgressView Create(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive
            ? new LiveProgressView()
            : new PlainProgressView(output);

    public abstract void Report(TrainingProgress progress);

    public virtual void Dispose()
    {
    }

    internal static string EpochLine(TrainingProgress p) =>
        $"epoch {p.Epoch}/{p.Epochs}: loss {p.Loss:F4}" + (p.ValidationDice is { } dice ? $", validation Dice {dice:F4}" : "") +
        (p.ValidationDicePerClass is { Count: > 1 } perClass ? $" (per class {string.Join(" ", perClass.Select(d => d.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))})" : "") +
        $", {p.ImagesPerSecond:F1} images/s, about {p.TimeRemaining:hh\\:mm\\:ss} left";
}

internal sealed class PlainProgressView(TextWriter output) : ProgressView
{
    public override void Report(TrainingProgress progress)
    {
        if (progress.EpochCompleted)
            output.WriteLine(EpochLine(progress));
    }
}

internal sealed class LiveProgressView : ProgressView
{
    readonly Thread thread;
    readonly ManualResetEventSlim finished = new();
    ProgressTask? task;
    volatile string description = "starting";
    double value;
    double maximum = 1;

    public LiveProgressView()
    {
        thread = new Thread(() => AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                task = context.AddTask(description);
                while (!finished.Wait(200))
                {
                    task.Description = description;
                    task.MaxValue = maximum;
                    task.Value = value;
                }
                task.Value = task.MaxValue;
            })) { IsBackground = true };
        thread.Start();
    }

    public override void Report(TrainingProgress p)
    {
        maximum = p.Epochs * (double)p.StepsPerEpoch;
        value = (p.Epoch - 1) * (double)p.StepsPerEpoch + p.Step;
        description = Markup.Escape($"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch} loss {p.Loss:F4}" +
                                    (p.ValidationDice is { } dice ? $" val Dice {dice:F4}" : "") + $" {p.ImagesPerSecond:F1} img/s");
        if (p.EpochCompleted)
            AnsiConsole.MarkupLine(Markup.Escape(EpochLine(p)));
    }

    public override void Dispose()
    {
        finished.Set();
        thread.Join();
        finished.Dispose();
    }
}
