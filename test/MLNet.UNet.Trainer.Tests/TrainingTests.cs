using MLNet.UNet.Data;
using MLNet.UNet.Losses;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;
using Xunit.Abstractions;

namespace MLNet.UNet.Tests;

public class TrainingTests(ITestOutputHelper output)
{
    static UNetOptions Tiny => new() { Depth = 3, BaseFilters = 16, BatchNorm = true };

    [Fact]
    public void TinyNetworkLearnsSyntheticShapesToValidationDiceOf095()
    {
        using var training = SyntheticShapes.Dataset(160, 64, 64, seed: 1);
        using var validation = SyntheticShapes.Dataset(32, 64, 64, seed: 2);
        var options = new TrainerOptions
        {
            Epochs = 14, BatchSize = 8, LearningRate = 3e-3, Seed = 5, Schedule = LearningRateSchedule.Cosine,
            EarlyStoppingPatience = 5, // no time budget: where it binds, a loaded machine would decide the result
            Augmentation = new AugmentationOptions { HorizontalFlipProbability = 0.5, VerticalFlipProbability = 0.5 },
        };
        using var trainer = new UNetTrainer(Tiny, options);
        var stepTimings = new List<(double Step, double Data)>();
        var result = trainer.Fit(training, validation, p =>
        {
            if (!p.EpochCompleted)
                stepTimings.Add((p.StepSeconds, p.DataSeconds));
            else
                output.WriteLine($"epoch {p.Epoch}: loss {p.Loss:F4}, validation Dice {p.ValidationDice:F4}, {p.ImagesPerSecond:F0} images/s");
        });
        Assert.True(result.BestValidationDice >= 0.95, $"best validation Dice {result.BestValidationDice:F4} after {result.History.Count} epochs");
        var (_, dice) = trainer.Evaluate(validation, 8);
        Assert.Equal(result.BestValidationDice!.Value, dice!.Value, 6);
        Assert.All(stepTimings, t => Assert.True(t.Data > 0 && t.Data < t.Step, $"batch preparation {t.Data} s of a {t.Step} s step"));
    }
}
