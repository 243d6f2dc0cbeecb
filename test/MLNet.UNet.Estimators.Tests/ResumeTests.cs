using MLNet.UNet.Segment;
using MLNet.UNet.Training;
using Microsoft.ML;

namespace MLNet.UNet.Tests;

/// <summary>A resumed fit goes on with the checkpoint's settings, and refuses options that say otherwise.</summary>
public sealed class ResumeTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-resume-tests-").FullName;

    [Fact]
    public void ResumeWithOtherTrainingSettingsIsRefusedNamingEachAndLeavesTheCheckpoint()
    {
        var (context, data) = Data(seed: 5);
        var checkpoint = Path.Combine(folder, "run.ckpt");
        var options = ShapePipeline.TinyOptions(epochs: 2);
        options.CheckpointPath = checkpoint;
        using (ShapePipeline.Pipeline(context, options).Fit(data)) { }
        var before = File.ReadAllBytes(checkpoint);

        // Before, the checkpoint's settings ruled unseen, while the run's recipe and log said these.
        var changed = ShapePipeline.TinyOptions(epochs: 4);
        changed.CheckpointPath = checkpoint;
        changed.Resume = true;
        changed.Trainer.KeepBestModel = false;
        changed.Trainer.LearningRate = 5e-3;
        var refused = Assert.Throws<CheckpointSettingsException>(() => ShapePipeline.Pipeline(context, changed).Fit(data));
        Assert.Equal(["TrainerOptions.LearningRate: checkpoint 0.003, asked 0.005", "TrainerOptions.KeepBestModel: checkpoint true, asked false"], refused.Differences);
        Assert.Contains("TrainerOptions.KeepBestModel: checkpoint true, asked false", refused.Message);
        Assert.Equal(checkpoint, refused.CheckpointPath);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
    }

    [Fact]
    public void ResumeTakesMoreEpochsAnotherBudgetAndKeepsTheCheckpointsDrawnSeed()
    {
        var (context, data) = Data(seed: 6);
        var checkpoint = Path.Combine(folder, "run.ckpt");
        var options = ShapePipeline.TinyOptions(epochs: 2);
        options.CheckpointPath = checkpoint;
        options.Trainer.TimeBudget = TimeSpan.FromHours(1);
        using (ShapePipeline.Pipeline(context, options).Fit(data)) { }
        int? seed;
        using (var first = UNetTrainer.LoadCheckpoint(checkpoint))
            seed = first.Options.Seed;

        // Another context draws another seed; the epochs and the budget are the run's to change.
        var (otherContext, otherData) = Data(seed: 6, contextSeed: 99);
        var longer = ShapePipeline.TinyOptions(epochs: 3);
        longer.CheckpointPath = checkpoint;
        longer.Resume = true;
        longer.Trainer.TimeBudget = null;
        using (ShapePipeline.Pipeline(otherContext, longer).Fit(otherData)) { }

        using var resumed = UNetTrainer.LoadCheckpoint(checkpoint);
        Assert.Equal(3, resumed.History.Count);
        Assert.Equal(seed, resumed.Options.Seed);
        Assert.Null(resumed.Options.TimeBudget);
    }

    (MLContext Context, IDataView Data) Data(int seed, int contextSeed = 1)
    {
        var rows = ShapePipeline.WriteImages(Path.Combine(folder, $"images-{seed}"), 16, seed);
        var context = new MLContext(contextSeed);
        return (context, ShapePipeline.WithLabels(context, context.Data.LoadFromEnumerable(rows)));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
