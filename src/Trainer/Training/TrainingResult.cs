namespace MLNet.UNet.Training;

/// <summary>Why <see cref="UNetTrainer.Fit"/> returned.</summary>
public enum StopReason
{
    /// <summary>All planned epochs ran.</summary>
    Completed,

    /// <summary>The validation Dice stopped improving (early stopping).</summary>
    EarlyStopping,

    /// <summary>The time budget ran out.</summary>
    TimeBudget,
}

/// <summary>Outcome of a call to <see cref="UNetTrainer.Fit"/>.</summary>
/// <param name="History">Every epoch trained so far, resumed ones included.</param>
/// <param name="BestEpoch">Epoch with the best validation Dice, 0 without validation data.</param>
/// <param name="BestValidationDice">That Dice, null without validation data.</param>
/// <param name="StopReason">Why training stopped.</param>
public sealed record TrainingResult(
    IReadOnlyList<EpochSummary> History, int BestEpoch, double? BestValidationDice, StopReason StopReason);
