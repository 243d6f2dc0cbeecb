namespace MLNet.UNet.Training;

/// <summary>A snapshot of training, reported after every step and at the end of every epoch.</summary>
public sealed record TrainingProgress
{
    /// <summary>True for the report made at the end of an epoch (after validation).</summary>
    public bool EpochCompleted { get; init; }

    /// <summary>Current epoch, from 1.</summary>
    public int Epoch { get; init; }

    /// <summary>Epochs planned.</summary>
    public int Epochs { get; init; }

    /// <summary>Step within the epoch, from 1.</summary>
    public int Step { get; init; }

    /// <summary>Steps per epoch.</summary>
    public int StepsPerEpoch { get; init; }

    /// <summary>Loss of the last step, or the epoch's mean loss when <see cref="EpochCompleted"/>.</summary>
    public double Loss { get; init; }

    /// <summary>Validation Dice of the last completed epoch, if there is validation data.</summary>
    public double? ValidationDice { get; init; }

    /// <summary>With several classes: the validation Dice of each foreground class (1 to C-1) of the last completed epoch, whose mean is <see cref="ValidationDice"/>.</summary>
    public IReadOnlyList<double>? ValidationDicePerClass { get; init; }

    /// <summary>Learning rate in use.</summary>
    public double LearningRate { get; init; }

    /// <summary>Training images per second in this epoch so far.</summary>
    public double ImagesPerSecond { get; init; }

    /// <summary>Wall time of the last step (batch preparation, forward, backward, optimizer), in seconds; 0 at epoch end.</summary>
    public double StepSeconds { get; init; }

    /// <summary>
    /// Part of <see cref="StepSeconds"/> spent preparing the batch (gathering samples and augmenting them) before the
    /// network could run: the time the step waited on data.
    /// </summary>
    public double DataSeconds { get; init; }

    /// <summary>Estimated time until the planned epochs are done.</summary>
    public TimeSpan TimeRemaining { get; init; }
}
