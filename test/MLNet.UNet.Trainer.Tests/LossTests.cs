using MLNet.UNet.Losses;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

public class LossTests
{
    // Logits of +/-20 are probabilities of 1 and 0 to within 2e-9, so the Dice values below are exact fractions.
    static (Tensor Logits, Tensor Masks) TwoImages()
    {
        // Image 0: 4 true pixels, 2 predicted, both right. Image 1: no true pixel, 1 predicted.
        var predicted = zeros(2, 1, 4, 4);
        predicted[0, 0, 0, TensorIndex.Slice(0, 2)] = tensor(1f);
        predicted[1, 0, 3, 3] = tensor(1f);
        var masks = zeros(2, 4, 4);
        masks[0, 0, TensorIndex.Slice(0, 4)] = tensor(1f);
        return (predicted.mul(40).sub(20), masks);
    }

    [Fact]
    public void PerImageDiceAveragesTheImages()
    {
        using var scope = NewDisposeScope();
        var (logits, masks) = TwoImages();
        // Image 0: (2*2 + 1) / (2 + 4 + 1) = 5/7; image 1: (0 + 1) / (1 + 0 + 1) = 1/2.
        double expected = 1 - (5.0 / 7 + 0.5) / 2;
        Assert.Equal(expected, DiceLoss.Compute(logits, masks).item<float>(), 5);
    }

    [Fact]
    public void BatchDiceSumsOverTheBatch()
    {
        using var scope = NewDisposeScope();
        var (logits, masks) = TwoImages();
        // Whole batch: intersection 2, predicted 3, true 4: (2*2 + 1) / (3 + 4 + 1) = 5/8.
        Assert.Equal(1 - 5.0 / 8, DiceLoss.Compute(logits, masks, overBatch: true).item<float>(), 5);
        var combined = new LossFunction(SegmentationLoss.SoftDice, batchDice: true).Compute(logits, masks);
        Assert.Equal(1 - 5.0 / 8, combined.item<float>(), 5);
    }
}
