using MLNet.UNet.Losses;
using MLNet.UNet.Runtime;
using MLNet.UNet.Transforms;

namespace MLNet.UNet.Training;

/// <summary>Optimizer choice.</summary>
public enum OptimizerKind
{
    /// <summary>Adam; weight decay is added to the gradient (L2).</summary>
    Adam,

    /// <summary>AdamW; weight decay is decoupled from the gradient.</summary>
    AdamW,
}

/// <summary>How the learning rate changes during training.</summary>
public enum LearningRateSchedule
{
    /// <summary>The learning rate stays at <see cref="TrainerOptions.LearningRate"/>.</summary>
    Constant,

    /// <summary>Cosine decay per step from the learning rate to <see cref="TrainerOptions.MinLearningRate"/>.</summary>
    Cosine,

    /// <summary>
    /// Multiplied by <see cref="TrainerOptions.PlateauFactor"/> when the validation Dice (or, without validation, the
    /// training loss) has not improved for <see cref="TrainerOptions.PlateauPatience"/> epochs.
    /// </summary>
    ReduceOnPlateau,
}

/// <summary>Settings of <see cref="UNetTrainer"/>.</summary>
public sealed class TrainerOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; set; } = 50;

    /// <summary>Images per optimizer step.</summary>
    public int BatchSize { get; set; } = 8;

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Optimizer.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>Weight decay (L2 for Adam, decoupled for AdamW).</summary>
    public double WeightDecay { get; set; }

    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>Final learning rate of the cosine schedule, and lower bound of reduce-on-plateau.</summary>
    public double MinLearningRate { get; set; } = 1e-6;

    /// <summary>Epochs without improvement before reduce-on-plateau lowers the learning rate.</summary>
    public int PlateauPatience { get; set; } = 5;

    /// <summary>Factor applied by reduce-on-plateau.</summary>
    public double PlateauFactor { get; set; } = 0.5;

    /// <summary>Loss to minimize.</summary>
    public SegmentationLoss Loss { get; set; } = SegmentationLoss.BinaryCrossEntropyPlusDice;

    /// <summary>Weight of cross-entropy in <see cref="SegmentationLoss.BinaryCrossEntropyPlusDice"/>.</summary>
    public double CrossEntropyWeight { get; set; } = 0.5;

    /// <summary>Weight of soft Dice in <see cref="SegmentationLoss.BinaryCrossEntropyPlusDice"/>.</summary>
    public double DiceWeight { get; set; } = 0.5;

    /// <summary>
    /// Soft Dice over the whole batch instead of per image (nnU-Net's "batch Dice"): closer to a volume's Dice when
    /// many slices hold little or none of the organ.
    /// </summary>
    public bool BatchDice { get; set; }

    /// <summary>
    /// Validation Dice pooled over the whole validation set, 2 |P ∩ T| / (|P| + |T|) over all its pixels (nnU-Net's
    /// "pseudo Dice"), instead of the mean of the images' Dice. The pooled Dice is closer to a volume's Dice, and a
    /// few stray pixels on an organ-free slice move it by their count, where they cost the mean a whole image's
    /// Dice. It is what best-model keeping, early stopping and reduce-on-plateau then go by.
    /// </summary>
    public bool PooledValidationDice { get; set; }

    /// <summary>Gradients are rescaled so that their global L2 norm is at most this; null disables clipping.</summary>
    public double? MaxGradientNorm { get; set; }

    /// <summary>Stop when the validation Dice has not improved for this many epochs; null disables early stopping.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Smallest validation Dice increase that counts as an improvement.</summary>
    public double MinImprovement { get; set; } = 1e-4;

    /// <summary>At the end, put back the weights of the epoch with the best validation Dice.</summary>
    public bool KeepBestModel { get; set; } = true;

    /// <summary>
    /// Decay per step of an exponential moving average of the weights (e.g. 0.995, about the last 200 steps);
    /// null trains without one. With it, validation, best-model keeping and the final network use the averaged
    /// weights, which vary less from epoch to epoch than the raw ones and usually generalize better.
    /// </summary>
    public double? WeightAveragingDecay { get; set; }

    /// <summary>Seed of weights, shuffling, dropout and augmentation; a run repeats for a fixed thread count. Null picks one.</summary>
    public int? Seed { get; set; }

    /// <summary>
    /// Where training runs: <see cref="TrainingDevice.Auto"/> (the default: the first CUDA GPU when TorchSharp reports
    /// CUDA available, else the CPU), <see cref="TrainingDevice.Cpu"/> or <see cref="TrainingDevice.Cuda"/>(index).
    /// Results on a GPU differ from the CPU's in the last digits; a checkpoint resumes on any device.
    /// </summary>
    public TrainingDevice Device { get; set; }

    /// <summary>Augmentation of training batches.</summary>
    public AugmentationOptions Augmentation { get; set; } = AugmentationOptions.None;

    /// <summary>
    /// Train on random square crops of this side (a multiple of the network's 2^depth) instead of whole images, one crop per
    /// image per visit, as nnU-Net trains on patches; validation then scores fixed tiles of this size that cover each image.
    /// A network trained so scores larger images in a sliding window (<see cref="Inference.SlidingWindowOptions"/>). Null: whole images.
    /// </summary>
    public int? PatchSize { get; set; }

    /// <summary>
    /// Stop after the epoch in which this much training time has passed, counted over the whole run (a run resumed
    /// from a checkpoint goes on from the time already spent); null for no limit.
    /// </summary>
    public TimeSpan? TimeBudget { get; set; }

    /// <summary>
    /// Fit the cosine schedule to <see cref="TimeBudget"/>: its progress is the larger of the fraction of steps done
    /// and the fraction of the budget used, so the learning rate reaches <see cref="MinLearningRate"/> when the budget
    /// runs out even where fewer than <see cref="Epochs"/> epochs fit. Set <see cref="Epochs"/> to more than will fit
    /// and the run trains for the budget on any machine. The rate then depends on the machine's speed, so two runs
    /// with one seed no longer repeat exactly. Needs <see cref="TimeBudget"/> and the cosine schedule.
    /// </summary>
    public bool FitScheduleToTimeBudget { get; set; }

    /// <summary>A copy that later changes to this instance do not affect.</summary>
    public TrainerOptions Clone()
    {
        var copy = (TrainerOptions)MemberwiseClone();
        copy.Augmentation = Augmentation.Clone();
        return copy;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (Epochs < 1)
            throw new ArgumentException($"TrainerOptions.Epochs must be at least 1, got {Epochs}.");
        if (BatchSize < 1)
            throw new ArgumentException($"TrainerOptions.BatchSize must be at least 1, got {BatchSize}.");
        if (PatchSize is < 1)
            throw new ArgumentException($"TrainerOptions.PatchSize must be positive or null, got {PatchSize}.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentException($"TrainerOptions.LearningRate must be a positive number, got {LearningRate}.");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
            throw new ArgumentException($"TrainerOptions.WeightDecay must be zero or positive, got {WeightDecay}.");
        if (!(MinLearningRate >= 0 && MinLearningRate <= LearningRate))
            throw new ArgumentException($"TrainerOptions.MinLearningRate must be in [0, LearningRate], got {MinLearningRate}.");
        if (PlateauPatience < 1)
            throw new ArgumentException($"TrainerOptions.PlateauPatience must be at least 1, got {PlateauPatience}.");
        if (!(PlateauFactor > 0 && PlateauFactor < 1))
            throw new ArgumentException($"TrainerOptions.PlateauFactor must be in (0, 1), got {PlateauFactor}.");
        if (MaxGradientNorm is { } norm && !(norm > 0))
            throw new ArgumentException($"TrainerOptions.MaxGradientNorm must be positive or null, got {norm}.");
        if (WeightAveragingDecay is { } decay && !(decay > 0 && decay < 1))
            throw new ArgumentException($"TrainerOptions.WeightAveragingDecay must be in (0, 1) or null, got {decay}.");
        if (EarlyStoppingPatience is < 1)
            throw new ArgumentException($"TrainerOptions.EarlyStoppingPatience must be at least 1 or null, got {EarlyStoppingPatience}.");
        if (TimeBudget is { } budget && budget <= TimeSpan.Zero)
            throw new ArgumentException($"TrainerOptions.TimeBudget must be positive or null, got {budget}.");
        if (FitScheduleToTimeBudget && (TimeBudget is null || Schedule != LearningRateSchedule.Cosine))
            throw new ArgumentException(
                $"TrainerOptions.FitScheduleToTimeBudget needs a TimeBudget and Schedule = Cosine, got TimeBudget = {TimeBudget?.ToString() ?? "null"} and Schedule = {Schedule}.");
        if (!Enum.IsDefined(Optimizer) || !Enum.IsDefined(Schedule))
            throw new ArgumentException("TrainerOptions.Optimizer or Schedule has an unknown value.");
        _ = new LossFunction(Loss, CrossEntropyWeight, DiceWeight);
        ArgumentNullException.ThrowIfNull(Augmentation, "TrainerOptions.Augmentation");
        Augmentation.Validate();
    }
}
