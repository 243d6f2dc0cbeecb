namespace MLNet.UNet.Training;

/// <summary>Learning rate per step for a <see cref="LearningRateSchedule"/>.</summary>
internal sealed class LearningRateScheduler
{
    readonly TrainerOptions options;

    public LearningRateScheduler(TrainerOptions options, double current, double bestMonitored, int epochsWithoutImprovement)
    {
        this.options = options;
        Current = current;
        BestMonitored = bestMonitored;
        EpochsWithoutImprovement = epochsWithoutImprovement;
    }

    /// <summary>The learning rate now in force.</summary>
    public double Current { get; private set; }

    /// <summary>Best value of the reduce-on-plateau monitor (higher is better).</summary>
    public double BestMonitored { get; private set; }

    /// <summary>Epochs since the monitor last improved.</summary>
    public int EpochsWithoutImprovement { get; private set; }

    /// <summary>
    /// Rate for a step, counted from 0 over the whole run; <paramref name="budgetUsed"/> is the fraction of the time
    /// budget spent, which moves the cosine schedule on where <see cref="TrainerOptions.FitScheduleToTimeBudget"/> is set.
    /// </summary>
    public double AtStep(long step, long totalSteps, double budgetUsed = 0)
    {
        if (options.Schedule == LearningRateSchedule.Cosine)
        {
            double progress = totalSteps <= 1 ? 1 : Math.Min(1, (double)step / (totalSteps - 1));
            if (options.FitScheduleToTimeBudget)
                progress = Math.Max(progress, Math.Min(1, budgetUsed));
            Current = options.MinLearningRate
                + 0.5 * (options.LearningRate - options.MinLearningRate) * (1 + Math.Cos(Math.PI * progress));
        }
        return Current;
    }

    /// <summary>Tells reduce-on-plateau the epoch's monitored value (higher is better).</summary>
    public void EndEpoch(double monitored)
    {
        if (options.Schedule != LearningRateSchedule.ReduceOnPlateau)
            return;
        if (monitored > BestMonitored + options.MinImprovement)
        {
            BestMonitored = monitored;
            EpochsWithoutImprovement = 0;
            return;
        }
        if (++EpochsWithoutImprovement >= options.PlateauPatience)
        {
            Current = Math.Max(options.MinLearningRate, Current * options.PlateauFactor);
            EpochsWithoutImprovement = 0;
        }
    }
}
