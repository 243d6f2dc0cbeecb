using MLNet.UNet.Data;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

/// <summary>Repeatability, checkpoints, cancellation and native memory of the trainer, on tiny networks.</summary>
public sealed class TrainerLifecycleTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-trainer-tests-").FullName;

    static UNetOptions Tiny => new() { Depth = 2, BaseFilters = 4, BatchNorm = true, Dropout = 0.2 };

    static TrainerOptions Quick(int epochs) => new()
    {
        Epochs = epochs, BatchSize = 4, LearningRate = 1e-2, Seed = 9, Optimizer = OptimizerKind.AdamW, WeightDecay = 1e-4,
        Schedule = LearningRateSchedule.Cosine, WeightAveragingDecay = 0.9, PooledValidationDice = true,
        Augmentation = new AugmentationOptions
        {
            HorizontalFlipProbability = 0.5, Rotate90Probability = 0.5, AffineProbability = 0.5, ElasticProbability = 0.5,
            NoiseProbability = 0.5, GammaProbability = 0.5, ContrastProbability = 0.5, BrightnessProbability = 0.5,
        },
    };

    [Fact]
    public void SameSeedAndThreadsGiveAnIdenticalLossCurve()
    {
        using var data = SyntheticShapes.Dataset(20, 32, 32, seed: 3);
        using var validation = SyntheticShapes.Dataset(6, 32, 32, seed: 4);
        var first = LossCurve(data, validation, seed: 9);
        var second = LossCurve(data, validation, seed: 9);
        var other = LossCurve(data, validation, seed: 10);
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    List<double> LossCurve(SegmentationDataset data, SegmentationDataset validation, int seed)
    {
        var options = Quick(3);
        options.Seed = seed;
        var losses = new List<double>();
        using var trainer = new UNetTrainer(Tiny, options);
        trainer.Fit(data, validation, p => losses.Add(p.EpochCompleted ? p.ValidationDice!.Value : p.Loss));
        return losses;
    }

    [Fact]
    public void CheckpointRoundTripAndResumeRepeatTheUninterruptedRun()
    {
        using var data = SyntheticShapes.Dataset(16, 32, 32, seed: 5);
        using var validation = SyntheticShapes.Dataset(4, 32, 32, seed: 6);
        var path = Path.Combine(folder, "run.ckpt");

        using var uninterrupted = new UNetTrainer(Tiny, Quick(4));
        var full = uninterrupted.Fit(data, validation);

        using (var interrupted = new UNetTrainer(Tiny, Quick(4)))
        using (var stop = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() => interrupted.Fit(data, validation,
                p => { if (p.EpochCompleted && p.Epoch == 2) stop.Cancel(); }, stop.Token, checkpointPath: path));
            using var reloaded = UNetTrainer.LoadCheckpoint(path);
            AssertSameWeights(interrupted.Network, reloaded.Network);
            Assert.Equal(interrupted.History, reloaded.History);
        }
        using var resumed = UNetTrainer.LoadCheckpoint(path);
        Assert.Equal(2, resumed.History.Count);
        var rest = resumed.Fit(data, validation);

        Assert.Equal(full.History.Select(e => e.TrainingLoss), rest.History.Select(e => e.TrainingLoss));
        Assert.Equal(full.BestValidationDice, rest.BestValidationDice);
        AssertSameWeights(uninterrupted.Network, resumed.Network);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp*"));
    }

    [Fact]
    public void DamagedCheckpointsAreRefusedWithTheirPath()
    {
        var path = Path.Combine(folder, "broken.ckpt");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        var error = Assert.Throws<InvalidDataException>(() => UNetTrainer.LoadCheckpoint(path));
        Assert.Contains(path, error.Message);

        using (var trainer = new UNetTrainer(Tiny, Quick(1)))
            trainer.SaveCheckpoint(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Throws<InvalidDataException>(() => UNetTrainer.LoadCheckpoint(path));
        Assert.Throws<FileNotFoundException>(() => UNetTrainer.LoadCheckpoint(Path.Combine(folder, "missing.ckpt")));
        Assert.Throws<InvalidDataException>(() => UNetTrainer.LoadCheckpoint(folder));
    }

    [Fact]
    public void CancellationStopsBetweenSteps()
    {
        using var data = SyntheticShapes.Dataset(40, 32, 32, seed: 7);
        using var trainer = new UNetTrainer(Tiny, Quick(100));
        using var cancellation = new CancellationTokenSource();
        int steps = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(data, progress: p =>
        {
            if (++steps == 15)
                cancellation.Cancel();
        }, cancellationToken: cancellation.Token));
        Assert.Equal(15, steps);
        Assert.True(trainer.History.Count < 2);
    }

    [Fact]
    public void NativeTensorCountStaysFlatFromEpochToEpoch()
    {
        using var data = SyntheticShapes.Dataset(24, 32, 32, seed: 8);
        using var validation = SyntheticShapes.Dataset(8, 32, 32, seed: 9);
        using var trainer = new UNetTrainer(Tiny, Quick(20));
        var liveAtEpochEnd = new List<long>();
        var residentAtEpochEnd = new List<long>();
        trainer.Fit(data, validation, p =>
        {
            if (!p.EpochCompleted)
                return;
            liveAtEpochEnd.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            GC.Collect();
            residentAtEpochEnd.Add(System.Diagnostics.Process.GetCurrentProcess().WorkingSet64);
        });
        Assert.Equal(20, liveAtEpochEnd.Count);
        Assert.True(liveAtEpochEnd.Skip(2).Distinct().Count() == 1,
            "Live native tensors per epoch: " + string.Join(", ", liveAtEpochEnd));
        long growth = residentAtEpochEnd[^1] - residentAtEpochEnd[2];
        Assert.True(growth < 32 << 20, $"Resident memory grew by {growth >> 20} MB from epoch 3 to epoch 20.");
    }

    [Fact]
    public void TwoThousandStepsWithBatchNormRunWithoutFault()
    {
        using var data = SyntheticShapes.Dataset(8, 16, 16, seed: 10);
        var options = new TrainerOptions { Epochs = 1000, BatchSize = 4, LearningRate = 1e-3, Seed = 1 };
        using var trainer = new UNetTrainer(new UNetOptions { Depth = 2, BaseFilters = 2, BatchNorm = true }, options);
        int steps = 0;
        var result = trainer.Fit(data, progress: p => { if (!p.EpochCompleted) steps++; });
        Assert.Equal(2000, steps);
        Assert.All(result.History, e => Assert.True(double.IsFinite(e.TrainingLoss)));
        Assert.True(result.History[^1].TrainingLoss < result.History[0].TrainingLoss);
    }

    [Fact]
    public void NonFiniteLossStopsTrainingAndKeepsTheLastGoodWeights()
    {
        using var data = SyntheticShapes.Dataset(8, 16, 16, seed: 11);
        var options = new TrainerOptions { Epochs = 50, BatchSize = 4, LearningRate = 1e30, Seed = 1 };
        using var trainer = new UNetTrainer(new UNetOptions { Depth = 2, BaseFilters = 4 }, options);
        var error = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(data));
        Assert.Contains($"epoch {error.Epoch}, step {error.Step}", error.Message);
        using var scope = NewDisposeScope();
        Assert.All(trainer.Network.parameters(), p => Assert.True(isfinite(p).all().item<bool>()));
    }

    static void AssertSameWeights(UNetNetwork expected, UNetNetwork actual)
    {
        using var scope = NewDisposeScope();
        var right = actual.state_dict();
        foreach (var (name, value) in expected.state_dict())
            Assert.True(value.eq(right[name]).all().item<bool>(), $"{name} differs");
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}

/// <summary>Cancellation returns promptly and leaves no native tensors behind.</summary>
public class CancellationTests
{
    [Fact]
    public void CancellingMidEpochReturnsWithinTwoSecondsAndLeavesNoMoreTensorsThanACompletedRun()
    {
        using var data = SyntheticShapes.Dataset(64, 64, 64, seed: 12);
        var network = new UNetOptions { Depth = 4, BaseFilters = 16, BatchNorm = true };
        long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // TorchSharp keeps a few tensors per trainer whatever happens; a completed run measures that residue.
        long start = Live();
        using (var completed = new UNetTrainer(network, new TrainerOptions { Epochs = 1, BatchSize = 32, Seed = 1 }))
            completed.Fit(data);
        long residueOfCompletedRun = Live() - start;

        long beforeCancelled = Live();
        var trainer = new UNetTrainer(network, new TrainerOptions { Epochs = 100, BatchSize = 8, Seed = 1 });
        using var cancellation = new CancellationTokenSource();
        var cancelledAt = System.Diagnostics.Stopwatch.StartNew();
        int steps = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(data, progress: _ =>
        {
            if (++steps == 3)
            {
                // Timed from Cancel() itself: on a loaded machine the pool may start the work item late.
                ThreadPool.QueueUserWorkItem(_ =>
                {
                    cancelledAt.Restart();
                    cancellation.Cancel();
                });
            }
        }, cancellationToken: cancellation.Token));
        var latency = cancelledAt.Elapsed;
        trainer.Dispose();
        Assert.True(latency < TimeSpan.FromSeconds(2), $"Fit returned {latency.TotalSeconds:F2} s after Cancel()");
        Assert.True(Live() - beforeCancelled <= residueOfCompletedRun,
            $"a cancelled run left {Live() - beforeCancelled} live tensors, a completed one {residueOfCompletedRun}");
    }
}
