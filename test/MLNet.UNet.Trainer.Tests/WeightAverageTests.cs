using MLNet.UNet.Data;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

public class WeightAverageTests
{
    static UNetOptions Tiny => new() { Depth = 2, BaseFilters = 2, BatchNorm = true };

    static void Fill(UNetNetwork network, float value)
    {
        using var noGrad = no_grad();
        foreach (var (_, tensor) in network.state_dict())
            if (tensor.is_floating_point())
                tensor.fill_(value);
    }

    static float Value(IReadOnlyDictionary<string, Tensor> values, string name) => values[name].flatten()[0].item<float>();

    [Fact]
    public void AverageIsThePlainMeanUntilTheDecayTakesOver()
    {
        using var network = new UNetNetwork(Tiny);
        var name = network.state_dict().First(entry => entry.Value.is_floating_point()).Key;
        Fill(network, 100);
        using var average = WeightAverage.Start(network, decay: 0.5);

        Fill(network, 2);
        average.Update(network);
        Assert.Equal(2f, Value(average.Values, name), 5);
        Fill(network, 4);
        average.Update(network);
        Assert.Equal(3f, Value(average.Values, name), 5);
        // The third step would weigh the past 2/3 as a plain mean; the decay of 0.5 caps it: 0.5 * 3 + 0.5 * 9.
        Fill(network, 9);
        average.Update(network);
        Assert.Equal(6f, Value(average.Values, name), 5);
        Assert.Equal(3, average.Updates);
    }

    [Fact]
    public void ApplyLendsTheAverageToTheNetworkAndGivesTheOwnWeightsBack()
    {
        using var network = new UNetNetwork(Tiny);
        var name = network.state_dict().First(entry => entry.Value.is_floating_point()).Key;
        Fill(network, 1);
        using var average = WeightAverage.Start(network, decay: 0.9);
        average.Update(network);
        Fill(network, 5);
        using (average.Apply(network))
            Assert.Equal(1f, Value(network.state_dict(), name), 5);
        Assert.Equal(5f, Value(network.state_dict(), name), 5);
    }

    [Fact]
    public void TrainingValidatesAndEndsWithTheAveragedWeights()
    {
        using var data = SyntheticShapes.Dataset(16, 32, 32, seed: 11);
        using var validation = SyntheticShapes.Dataset(4, 32, 32, seed: 12);
        var options = new TrainerOptions { Epochs = 3, BatchSize = 4, LearningRate = 1e-2, Seed = 5, KeepBestModel = false };
        using var raw = new UNetTrainer(Tiny, options);
        var rawResult = raw.Fit(data, validation);
        options.WeightAveragingDecay = 0.8;
        using var averaged = new UNetTrainer(Tiny, options);
        var averagedResult = averaged.Fit(data, validation);

        // Same seed, same steps: the raw weights follow the same path, so any difference is the average.
        Assert.Equal(rawResult.History.Select(e => e.TrainingLoss), averagedResult.History.Select(e => e.TrainingLoss));
        Assert.NotEqual(rawResult.History[^1].ValidationLoss, averagedResult.History[^1].ValidationLoss);
        var (finalLoss, finalDice) = averaged.Evaluate(validation, 4);
        Assert.Equal(averagedResult.History[^1].ValidationLoss!.Value, finalLoss!.Value, 6);
        Assert.Equal(averagedResult.History[^1].ValidationDice!.Value, finalDice!.Value, 6);
    }

    [Fact]
    public void ACheckpointThatKeptTheBestEpochStillGivesTheWeightsTheRunEndedWith()
    {
        using var data = SyntheticShapes.Dataset(16, 32, 32, seed: 11);
        using var validation = SyntheticShapes.Dataset(4, 32, 32, seed: 12);
        var checkpoint = Path.Combine(Directory.CreateTempSubdirectory("unet-last-weights-").FullName, "run.ckpt");
        try
        {
            var options = new TrainerOptions { Epochs = 3, BatchSize = 4, LearningRate = 1e-2, Seed = 5, WeightAveragingDecay = 0.8, KeepBestModel = true };
            using (var keepsBest = new UNetTrainer(Tiny, options))
                keepsBest.Fit(data, validation, checkpointPath: checkpoint);
            options.KeepBestModel = false;
            using var endsWithAverage = new UNetTrainer(Tiny, options);
            endsWithAverage.Fit(data, validation);

            // The same steps: the run that keeps no best epoch ends with the average, which the other's checkpoint holds too.
            using var loaded = UNetTrainer.LoadCheckpoint(checkpoint);
            loaded.UseLastWeights();
            Assert.Equal(endsWithAverage.Evaluate(validation, 4), loaded.Evaluate(validation, 4));
            Assert.True(loaded.UseBestWeights());
            loaded.UseLastWeights();
            Assert.Equal(endsWithAverage.Evaluate(validation, 4), loaded.Evaluate(validation, 4));

            // Without an average, the last step's weights are gone once the best epoch's replace them.
            options.WeightAveragingDecay = null;
            options.KeepBestModel = true;
            using var noAverage = new UNetTrainer(Tiny, options);
            noAverage.Fit(data, validation);
            Assert.Contains("Load the checkpoint again", Assert.Throws<InvalidOperationException>(noAverage.UseLastWeights).Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(checkpoint)!, recursive: true);
        }
    }
}
