namespace MLNet.UNet.Training;

/// <summary>What one epoch of training measured.</summary>
/// <param name="Epoch">Epoch number, from 1.</param>
/// <param name="TrainingLoss">
/// Mean training loss over the epoch's steps; with <see cref="Networks.UNetOptions.DeepSupervisionOutputs"/>, the
/// weighted loss over the levels that training minimizes.
/// </param>
/// <param name="ValidationLoss">Mean validation loss, if there is validation data: the full-resolution output's alone.</param>
/// <param name="ValidationDice">
/// Validation Dice, if there is validation data: the mean of the images' Dice, or the pooled Dice where
/// <see cref="TrainerOptions.PooledValidationDice"/> is set.
/// </param>
/// <param name="LearningRate">Learning rate at the end of the epoch.</param>
/// <param name="Duration">Wall time of the epoch, validation included.</param>
/// <param name="ImagesPerSecond">Training images per second.</param>
/// <param name="ValidationDicePerClass">
/// With several classes and validation data: the validation Dice of each foreground class (classes 1 to C-1), whose mean
/// is <paramref name="ValidationDice"/>; null otherwise.
/// </param>
public sealed record EpochSummary(
    int Epoch, double TrainingLoss, double? ValidationLoss, double? ValidationDice, double LearningRate,
    TimeSpan Duration, double ImagesPerSecond, IReadOnlyList<double>? ValidationDicePerClass = null);
