using MLNet.UNet.Data;
using MLNet.UNet.Losses;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

public class DeepSupervisionTests
{
    static UNetOptions Tiny(int outputs, int classes = 1) =>
        new() { Depth = 3, BaseFilters = 8, BatchNorm = true, OutputClasses = classes, DeepSupervisionOutputs = outputs };

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void OutputsOutsideZeroToDepthMinusOneAreRefusedWithTheirName(int outputs)
    {
        var error = Assert.Throws<ArgumentException>(() => Tiny(outputs).Validate());
        Assert.Contains("DeepSupervisionOutputs", error.Message);
        Assert.Contains("between 0 and Depth - 1 = 2", error.Message);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 4)]
    public void LowerLevelsHaveTheirScaleAndForwardIsTheFullResolutionOutput(int outputs, int classes)
    {
        manual_seed(3);
        using var network = new UNetNetwork(Tiny(outputs, classes));
        network.eval();
        using var scope = NewDisposeScope();
        var input = randn(2, 1, 32, 48);
        using var _ = no_grad();
        var (logits, lowerLevels) = network.ForwardDeeplySupervised(input);
        Assert.Equal(new long[] { 2, classes, 32, 48 }, logits.shape);
        Assert.Equal(outputs, lowerLevels.Count);
        for (int k = 1; k <= outputs; k++)
            Assert.Equal(new long[] { 2, classes, 32 >> k, 48 >> k }, lowerLevels[k - 1].shape);
        Assert.True(network.forward(input).sub(logits).abs().max().item<float>() == 0f);
    }

    [Fact]
    public void TheNetworkItselfStartsFromTheSameWeightsWithOrWithoutAuxiliaryHeads()
    {
        manual_seed(9);
        using var plain = new UNetNetwork(Tiny(0));
        manual_seed(9);
        using var supervised = new UNetNetwork(Tiny(2));
        var plainWeights = plain.state_dict();
        var supervisedWeights = supervised.state_dict();
        Assert.True(supervisedWeights.Count > plainWeights.Count);
        foreach (var (name, value) in plainWeights)
            Assert.True(value.eq(supervisedWeights[name]).all().item<bool>(), $"{name} differs");
    }

    [Fact]
    public void DownsampledMasksTakeThePixelNextToEachBlocksCentre()
    {
        using var scope = NewDisposeScope();
        var masks = arange(64, dtype: ScalarType.Float32).view(1, 8, 8);
        var half = DeepSupervisionLoss.Downsample(masks, 1);
        var quarter = DeepSupervisionLoss.Downsample(masks, 2);
        Assert.Equal(new long[] { 1, 4, 4 }, half.shape);
        Assert.Equal(new long[] { 1, 2, 2 }, quarter.shape);
        // Row r, column c of the 8 x 8 grid holds 8r + c.
        Assert.Equal(new float[] { 9, 11, 13, 15 }, half[0, 0].data<float>().ToArray());
        Assert.Equal(new float[] { 18, 22, 50, 54 }, quarter.contiguous().data<float>().ToArray());
    }

    [Fact]
    public void WeightsAreNormalizedSoEqualLossesAtEveryLevelGiveThatLoss()
    {
        using var scope = NewDisposeScope();
        var loss = new LossFunction(SegmentationLoss.BinaryCrossEntropy);
        var masks = zeros(2, 16, 16);
        // Zero logits against empty masks: binary cross-entropy ln 2 at every level, whatever its size.
        var combined = DeepSupervisionLoss.Compute(loss, zeros(2, 1, 16, 16), [zeros(2, 1, 8, 8), zeros(2, 1, 4, 4)], masks);
        Assert.Equal(Math.Log(2), combined.item<float>(), 5);
        var plain = DeepSupervisionLoss.Compute(loss, full(2, 1, 16, 16, 3f), [], masks);
        Assert.Equal(loss.Compute(full(2, 1, 16, 16, 3f), masks).item<float>(), plain.item<float>(), 6);
    }

    [Fact]
    public void LowerLevelsWeighByHalvesAgainstTheirOwnMasks()
    {
        using var scope = NewDisposeScope();
        var loss = new LossFunction(SegmentationLoss.BinaryCrossEntropy);
        var masks = zeros(1, 8, 8);
        var full8 = zeros(1, 1, 8, 8);
        var wrongHalf = full(1, 1, 4, 4, 5f); // confidently wrong at half size only
        var combined = DeepSupervisionLoss.Compute(loss, full8, [wrongHalf], masks).item<float>();
        double expected = (Math.Log(2) + 0.5 * loss.Compute(wrongHalf, zeros(1, 4, 4)).item<float>()) / 1.5;
        Assert.Equal(expected, combined, 5);
    }

    [Fact]
    public void TinyDeeplySupervisedNetworkLearnsSyntheticShapes()
    {
        using var training = SyntheticShapes.Dataset(96, 64, 64, seed: 1);
        using var validation = SyntheticShapes.Dataset(24, 64, 64, seed: 2);
        var options = new TrainerOptions
        {
            Epochs = 10, BatchSize = 8, LearningRate = 3e-3, Seed = 5, Schedule = LearningRateSchedule.Cosine,
            Loss = SegmentationLoss.BinaryCrossEntropyPlusDice,
        };
        using var trainer = new UNetTrainer(new UNetOptions { Depth = 3, BaseFilters = 16, BatchNorm = true, DeepSupervisionOutputs = 2 }, options);
        var result = trainer.Fit(training, validation);
        Assert.True(result.BestValidationDice >= 0.9, $"best validation Dice {result.BestValidationDice:F4}");
        Assert.True(result.History[^1].TrainingLoss < 0.5 * result.History[0].TrainingLoss,
            $"training loss {result.History[0].TrainingLoss:F4} -> {result.History[^1].TrainingLoss:F4}");
    }
}
