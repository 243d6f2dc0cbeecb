using MLNet.UNet.Data;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;

namespace MLNet.UNet.Tests;

/// <summary>A pool of samples drawn anew each epoch: each epoch its share, over the epochs all of it.</summary>
public class EpochDrawTests
{
    [Fact]
    public void EachEpochTrainsOnEveryOtherSampleAndItsShareOfThePoolDrawnAnew()
    {
        using var data = SyntheticShapes.Dataset(20, 16, 16, seed: 1);
        // Samples 0-11 are the pool (as slices without any organ would be), 12-19 are trained on every epoch.
        var pooled = Enumerable.Range(0, 20).Select(i => i < 12).ToArray();
        data.DrawEachEpoch(pooled, 0.25);
        Assert.Equal(8 + 3, data.SamplesPerEpoch);

        var seen = new HashSet<int>();
        var draws = new HashSet<string>();
        for (int epoch = 1; epoch <= 30; epoch++)
        {
            var order = data.EpochOrder(new Random(epoch));
            Assert.Equal(data.SamplesPerEpoch, order.Length);
            Assert.Equal(order.Length, order.Distinct().Count());
            Assert.Equal(Enumerable.Range(12, 8), order.Where(i => i >= 12).Order());
            var drawn = order.Where(i => i < 12).Order().ToArray();
            Assert.Equal(3, drawn.Length);
            seen.UnionWith(drawn);
            draws.Add(string.Join(",", drawn));
            // The same epoch seed draws the same samples: a resumed run repeats.
            Assert.Equal(order, data.EpochOrder(new Random(epoch)));
        }
        Assert.Equal(12, seen.Count);
        Assert.True(draws.Count > 10, $"only {draws.Count} different draws in 30 epochs");
    }

    [Fact]
    public void WithoutAPoolAnEpochIsEverySampleShuffledAsBefore()
    {
        using var data = SyntheticShapes.Dataset(10, 16, 16, seed: 2);
        var expected = Enumerable.Range(0, 10).ToArray();
        new Random(7).Shuffle(expected);
        Assert.Equal(expected, data.EpochOrder(new Random(7)));
        Assert.Equal(10, data.SamplesPerEpoch);
    }

    [Fact]
    public void TrainingStepsCountTheSamplesOfAnEpochNotOfTheDataset()
    {
        using var data = SyntheticShapes.Dataset(24, 16, 16, seed: 3);
        data.DrawEachEpoch(Enumerable.Range(0, 24).Select(i => i % 3 != 0).ToArray(), 0.5); // 8 every epoch, 8 of 16 drawn
        var options = new TrainerOptions { Epochs = 2, BatchSize = 4, LearningRate = 1e-3, Seed = 1, Augmentation = AugmentationOptions.None };
        using var trainer = new UNetTrainer(new UNetOptions { Depth = 2, BaseFilters = 4, BatchNorm = true }, options);
        var steps = new List<int>();
        trainer.Fit(data, progress: p => { if (p.EpochCompleted) steps.Add(p.StepsPerEpoch); });
        Assert.Equal([4, 4], steps);
    }

    [Fact]
    public void ABadPoolIsRefusedWithWhatWasExpected()
    {
        using var data = SyntheticShapes.Dataset(4, 16, 16, seed: 4);
        Assert.Contains("4 samples but 3 pool flags", Assert.Throws<ArgumentException>(() => data.DrawEachEpoch([true, false, true], 0.5)).Message);
        Assert.Contains("in [0, 1], got 1.5", Assert.Throws<ArgumentOutOfRangeException>(() => data.DrawEachEpoch([true, true, false, false], 1.5)).Message);
        Assert.Contains("an epoch would train on nothing", Assert.Throws<ArgumentException>(() => data.DrawEachEpoch([true, true, true, true], 0.1)).Message);
        data.DrawEachEpoch([true, true, false, false], 0); // none of the pool: the other two each epoch
        Assert.Equal(2, data.SamplesPerEpoch);
    }
}
