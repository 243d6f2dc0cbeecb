using MLNet.UNet.Networks;

namespace MLNet.UNet.Training;

/// <summary>Everything about a training run that is not a tensor; stored in checkpoints as JSON.</summary>
internal sealed class TrainingState
{
    public required UNetOptions Network { get; init; }
    public required TrainerOptions Trainer { get; init; }
    public List<EpochSummary> History { get; init; } = [];
    public int BestEpoch { get; set; }
    public double? BestValidationDice { get; set; }
    public double LearningRate { get; set; }
    public double PlateauBest { get; set; } = double.NegativeInfinity;
    public int PlateauEpochsWithoutImprovement { get; set; }
    public long AveragedSteps { get; set; }

    /// <summary>Training time of the epochs completed so far, over every Fit call and resume.</summary>
    public double TrainingSeconds { get; set; }

    public int CompletedEpochs => History.Count;
}
