using MLNet.UNet.Data;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;

namespace MLNet.UNet.Tests;

/// <summary>The time budget: where training stops, and the cosine schedule fitted to it.</summary>
public sealed class TimeBudgetTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-time-budget-tests-").FullName;

    static UNetOptions Tiny => new() { Depth = 2, BaseFilters = 4, BatchNorm = true };

    static TrainerOptions ManyEpochs(double budgetSeconds, bool fitSchedule) => new()
    {
        Epochs = 100_000, BatchSize = 4, LearningRate = 1e-2, Seed = 3, Schedule = LearningRateSchedule.Cosine,
        TimeBudget = TimeSpan.FromSeconds(budgetSeconds), FitScheduleToTimeBudget = fitSchedule,
    };

    [Fact]
    public void FittedCosineScheduleAnnealsWithinTheBudgetWhereTheEpochScheduleHasHardlyStarted()
    {
        using var data = SyntheticShapes.Dataset(8, 32, 32, seed: 1);
        using var fitted = new UNetTrainer(Tiny, ManyEpochs(2, fitSchedule: true));
        var fittedResult = fitted.Fit(data);
        using var byEpochs = new UNetTrainer(Tiny, ManyEpochs(2, fitSchedule: false));
        var byEpochsResult = byEpochs.Fit(data);

        Assert.Equal(StopReason.TimeBudget, fittedResult.StopReason);
        Assert.True(fittedResult.History.Count > 3, $"only {fittedResult.History.Count} epochs ran in the 2 s budget");
        var rates = fittedResult.History.Select(e => e.LearningRate).ToList();
        Assert.True(rates.Zip(rates.Skip(1)).All(pair => pair.Second <= pair.First), "rates: " + string.Join(", ", rates));
        Assert.True(rates[^1] < 0.2 * 1e-2, $"the last epoch ended at rate {rates[^1]:E2}, expected the schedule's end");
        Assert.Equal(StopReason.TimeBudget, byEpochsResult.StopReason);
        Assert.True(byEpochsResult.History[^1].LearningRate > 0.99 * 1e-2,
            $"without fitting, the schedule is over 100,000 epochs and should hardly have moved, got {byEpochsResult.History[^1].LearningRate:E2}");
    }

    [Fact]
    public void ResumedRunCountsTheTimeAlreadySpent()
    {
        using var data = SyntheticShapes.Dataset(8, 32, 32, seed: 2);
        var path = Path.Combine(folder, "run.ckpt");
        // The clock starts with the first step's report, so it never runs ahead of the trainer's own (building the
        // network and checking its kernels come before; on a loaded machine they can take most of the budget).
        System.Diagnostics.Stopwatch? clock = null;
        using (var interrupted = new UNetTrainer(Tiny, ManyEpochs(3, fitSchedule: true)))
        using (var stop = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() => interrupted.Fit(data,
                progress: p =>
                {
                    clock ??= System.Diagnostics.Stopwatch.StartNew();
                    if (p.EpochCompleted && clock.Elapsed.TotalSeconds > 2.2) stop.Cancel();
                },
                cancellationToken: stop.Token, checkpointPath: path));
        }
        using var resumed = UNetTrainer.LoadCheckpoint(path);
        int before = resumed.History.Count;
        var result = resumed.Fit(data);

        Assert.Equal(StopReason.TimeBudget, result.StopReason);
        var firstResumed = result.History[before];
        // Over 2.2 of the three seconds were spent before the interruption: the schedule goes on from over 0.7 of
        // the way, where the cosine rate is below a fifth of the initial one.
        Assert.True(firstResumed.LearningRate < 0.3 * 1e-2, $"first resumed epoch at rate {firstResumed.LearningRate:E2}");
        double resumedSeconds = result.History.Skip(before).Sum(e => e.Duration.TotalSeconds);
        Assert.True(resumedSeconds < 2, $"the resumed part trained {resumedSeconds:F1} s of a 3 s budget of which over 2.2 s were spent");
    }

    [Fact]
    public void FittingTheScheduleWithoutABudgetOrCosineIsRefused()
    {
        var noBudget = new TrainerOptions { Schedule = LearningRateSchedule.Cosine, FitScheduleToTimeBudget = true };
        var error = Assert.Throws<ArgumentException>(() => new UNetTrainer(Tiny, noBudget));
        Assert.Contains("FitScheduleToTimeBudget needs a TimeBudget", error.Message);
        var constant = new TrainerOptions { TimeBudget = TimeSpan.FromMinutes(1), FitScheduleToTimeBudget = true };
        Assert.Contains("Schedule = Constant", Assert.Throws<ArgumentException>(() => new UNetTrainer(Tiny, constant)).Message);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
