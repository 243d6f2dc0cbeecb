using MLNet.UNet.Data;
using MLNet.UNet.Metrics;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

/// <summary>Hard Dice per image and pooled, against hand-computed values.</summary>
public class DiceScoreTests
{
    // Two 2 x 2 images, one class. Image 0: predicted {0, 1}, true {0}: Dice 2 * 1 / 3.
    // Image 1: predicted {3}, nothing true: Dice 0. Pooled: 2 * 1 / (3 + 1) = 0.5.
    static (Tensor Logits, Tensor Masks) TwoImages() => (
        tensor(new float[] { 5, 5, -5, -5, -5, -5, -5, 5 }).view(2, 1, 2, 2),
        tensor(new float[] { 1, 0, 0, 0, 0, 0, 0, 0 }).view(2, 2, 2));

    [Fact]
    public void PerImageAndPooledDiceMatchHandComputedValues()
    {
        using var scope = NewDisposeScope();
        var (logits, masks) = TwoImages();
        var perImage = DiceScore.PerImage(logits, masks).data<double>().ToArray();
        Assert.Equal(2.0 / 3, perImage[0], 12);
        Assert.Equal(0, perImage[1], 12);
        var counts = DiceScore.Counts(logits, masks);
        Assert.Equal(new double[] { 1, 4 }, counts.data<double>().ToArray());
        Assert.Equal(0.5, DiceScore.Pooled(counts), 12);
    }

    [Fact]
    public void CountsAddUpOverBatchesAndAnEmptyDatasetScoresOne()
    {
        using var scope = NewDisposeScope();
        var (logits, masks) = TwoImages();
        var first = DiceScore.Counts(logits[..1], masks[..1]);
        var second = DiceScore.Counts(logits[1..], masks[1..]);
        Assert.Equal(0.5, DiceScore.Pooled(first.add(second)), 12);
        var nothing = DiceScore.Counts(full(1, 1, 2, 2, -5f), zeros(1, 2, 2));
        Assert.Equal(1, DiceScore.Pooled(nothing), 12);
    }

    [Fact]
    public void SeveralClassesArePooledPerClassThenAveraged()
    {
        using var scope = NewDisposeScope();
        // One 1 x 4 image, classes 0..2. Arg-max labels: 1, 1, 2, 0; truth: 1, 2, 2, 0.
        // Class 1: |P| = 2, |T| = 1, overlap 1 -> 2/3. Class 2: |P| = 1, |T| = 2, overlap 1 -> 2/3.
        var logits = tensor(new float[]
        {
            0, 0, 0, 9, // class 0
            9, 9, 0, 0, // class 1
            0, 0, 9, 0, // class 2
        }).view(1, 3, 1, 4);
        var masks = tensor(new float[] { 1, 2, 2, 0 }).view(1, 1, 4);
        var counts = DiceScore.Counts(logits, masks);
        Assert.Equal(new double[] { 1, 3, 1, 3 }, counts.data<double>().ToArray());
        Assert.Equal(2.0 / 3, DiceScore.Pooled(counts), 12);
        Assert.Equal(2.0 / 3, DiceScore.PerImage(logits, masks).item<double>(), 12);
    }

    [Fact]
    public void TrainerWithPooledValidationDicePoolsOverTheWholeSetAcrossBatches()
    {
        using var data = SyntheticShapes.Dataset(6, 32, 32, seed: 4);
        using var trainer = new UNetTrainer(new UNetOptions { Depth = 2, BaseFilters = 4, BatchNorm = true },
            new TrainerOptions { Seed = 2, PooledValidationDice = true });
        var (_, dice) = trainer.Evaluate(data, batchSize: 4);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        trainer.Network.eval();
        var expected = DiceScore.Pooled(DiceScore.Counts(trainer.Network.forward(data.Images), data.Masks));
        Assert.Equal(expected, dice!.Value, 9);
    }
}
