using MLNet.UNet.Medical.Training;
using MLNet.UNet.Recipes;
using MLNet.UNet.Training;

namespace MLNet.UNet.Medical.Tests;

/// <summary>A time budget that cuts a cosine schedule while the rate is still high is reported, with the way out.</summary>
public sealed class UnannealedStopTests
{
    static List<EpochSummary> History(int epochs, double lastRate) =>
        [.. Enumerable.Range(1, epochs).Select(e => new EpochSummary(e, 0.1, null, 0.9, e == epochs ? lastRate : 2e-3, TimeSpan.FromSeconds(45), 9))];

    [Fact]
    public void ACutWithTheRateStillHighIsReported()
    {
        var trainer = TrainingRecipes.LiverMri().Trainer;
        var warning = VolumeTraining.UnannealedStop(trainer, StopReason.TimeBudget, History(42, 9e-4));
        Assert.NotNull(warning);
        Assert.Contains("after 42 of 75 epochs", warning);
        Assert.Contains("45%", warning);
        Assert.Contains("--fit-schedule-to-time", warning);
    }

    [Fact]
    public void EveryEpochRunACutAtTheEndAnEarlyStopOrAScheduleFittedToTheBudgetIsNot()
    {
        var trainer = TrainingRecipes.LiverMri().Trainer;
        Assert.Null(VolumeTraining.UnannealedStop(trainer, StopReason.Completed, History(75, 1e-6)));
        Assert.Null(VolumeTraining.UnannealedStop(trainer, StopReason.TimeBudget, History(73, 2e-5)));
        Assert.Null(VolumeTraining.UnannealedStop(trainer, StopReason.EarlyStopping, History(42, 9e-4)));
        trainer.FitScheduleToTimeBudget = true;
        Assert.Null(VolumeTraining.UnannealedStop(trainer, StopReason.TimeBudget, History(42, 9e-4)));
    }
}
