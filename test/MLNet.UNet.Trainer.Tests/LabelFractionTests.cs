using MLNet.UNet.Data;
using MLNet.UNet.Losses;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

public class LabelFractionTests
{
    // The fractions a class map stands for when every pixel is wholly one class: one plane (the foreground's) for one class, else one per class.
    static Tensor OneHot(Tensor masks, int classes) => classes == 1
        ? masks.unsqueeze(1)
        : nn.functional.one_hot(masks.to(ScalarType.Int64), classes).permute(0, 3, 1, 2).to(ScalarType.Float32);

    static Tensor RandomMasks(int classes, long n, long height, long width) => classes == 1
        ? rand(n, height, width).gt(0.5).to(ScalarType.Float32)
        : randint(0, classes, [n, height, width]).to(ScalarType.Float32);

    [Theory]
    [InlineData(1, SegmentationLoss.BinaryCrossEntropy, false)]
    [InlineData(1, SegmentationLoss.SoftDice, false)]
    [InlineData(1, SegmentationLoss.BinaryCrossEntropyPlusDice, true)]
    [InlineData(3, SegmentationLoss.BinaryCrossEntropy, false)]
    [InlineData(3, SegmentationLoss.SoftDice, false)]
    [InlineData(3, SegmentationLoss.BinaryCrossEntropyPlusDice, true)]
    public void OnWholePixelsTheLossEqualsTheMasksLoss(int classes, SegmentationLoss kind, bool batchDice)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var masks = RandomMasks(classes, 3, 16, 16);
        var logits = randn(3, classes, 16, 16).mul(2);
        var loss = new LossFunction(kind, batchDice: batchDice);
        Assert.Equal(loss.Compute(logits, masks).item<float>(), loss.ComputeOnFractions(logits, OneHot(masks, classes)).item<float>(), 5);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void CrossEntropyIsLowestWhereTheProbabilityIsThePixelsShare(int classes)
    {
        using var scope = NewDisposeScope();
        // A pixel that is 30% organ: the loss is least at probability 0.3, not at the 0 its nearest label says.
        var fractions = classes == 1 ? full(1, 1, 1, 1, 0.3f) : tensor(new[] { 0.7f, 0.3f, 0f }, [1, 3, 1, 1]);
        double LossAt(double p) => CrossEntropyLoss.ComputeOnFractions(
            classes == 1 ? full(1, 1, 1, 1, (float)Math.Log(p / (1 - p))) : tensor(new[] { (float)Math.Log(1 - p), (float)Math.Log(p), -30f }, [1, 3, 1, 1]),
            fractions).item<float>();
        Assert.True(LossAt(0.3) < LossAt(0.2) && LossAt(0.3) < LossAt(0.4) && LossAt(0.3) < LossAt(0.01),
            $"loss at 0.01, 0.2, 0.3, 0.4: {LossAt(0.01):F4} {LossAt(0.2):F4} {LossAt(0.3):F4} {LossAt(0.4):F4}");
    }

    [Fact]
    public void LowerLevelsOfDeepSupervisionLearnEachBlocksMeanFraction()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var loss = new LossFunction(SegmentationLoss.BinaryCrossEntropy);
        // Blocks of 4 x 4 whole pixels: the lower levels' fractions are whole too, and equal the picked masks.
        var masks = RandomMasks(1, 2, 4, 4).repeat_interleave(4, 1).repeat_interleave(4, 2);
        var logits = randn(2, 1, 16, 16);
        IReadOnlyList<Tensor> lower = [randn(2, 1, 8, 8), randn(2, 1, 4, 4)];
        Assert.Equal(DeepSupervisionLoss.Compute(loss, logits, lower, masks).item<float>(),
            DeepSupervisionLoss.ComputeOnFractions(loss, logits, lower, OneHot(masks, 1)).item<float>(), 5);
        // A 2 x 2 block with one organ pixel is a quarter organ at half size.
        var single = zeros(1, 1, 2, 2);
        single[0, 0, 0, 0] = tensor(1f);
        var quarter = full(1, 1, 1, 1, (float)Math.Log(0.25 / 0.75));
        var combined = DeepSupervisionLoss.ComputeOnFractions(loss, zeros(1, 1, 2, 2), [quarter], single).item<float>();
        double expected = (loss.ComputeOnFractions(zeros(1, 1, 2, 2), single).item<float>()
            + 0.5 * loss.ComputeOnFractions(quarter, full(1, 1, 1, 1, 0.25f)).item<float>()) / 1.5;
        Assert.Equal(expected, combined, 5);
    }

    [Fact]
    public void AugmentationMovesFractionsWithTheMasksAndDrawsTheSameChoices()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var masks = RandomMasks(3, 4, 16, 16);
        var images = masks.unsqueeze(1).add(rand(4, 1, 16, 16).mul(0.1));
        var options = new AugmentationOptions { HorizontalFlipProbability = 0.5, Rotate90Probability = 0.5, BrightnessProbability = 0.5 };
        var (plainImages, plainMasks) = new Augmenter(options).Apply(images, masks, new Random(8));
        var (movedImages, movedMasks, movedFractions) = new Augmenter(options).Apply(images, masks, OneHot(masks, 3), new Random(8));
        Assert.True(movedImages.eq(plainImages).all().item<bool>());
        Assert.True(movedMasks.eq(plainMasks).all().item<bool>());
        // Flips and quarter turns are exact: the fractions are still those of the moved masks.
        Assert.True(movedFractions.sub(OneHot(movedMasks, 3)).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void RotatedFractionsStaySharesOfAPixel()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var masks = RandomMasks(3, 2, 32, 32);
        var options = new AugmentationOptions { AffineProbability = 1, MaxRotationDegrees = 30, MaxScaleChange = 0.2 };
        var (_, _, fractions) = new Augmenter(options).Apply(masks.unsqueeze(1), masks, OneHot(masks, 3), new Random(9));
        Assert.True(fractions.ge(0).all().item<bool>() && fractions.le(1 + 1e-6).all().item<bool>());
        Assert.True(fractions.sum(1).sub(1).abs().max().item<float>() < 1e-5f);
        Assert.True(fractions.gt(0.01).logical_and(fractions.lt(0.99)).any().item<bool>(), "an affine move blends the shares at edges");
    }

    [Fact]
    public void TheDatasetRefusesFractionsThatAreNotSharesOfAPixel()
    {
        var images = new List<float[]> { new float[16] };
        var masks = new List<float[]> { new float[16] };
        SegmentationDataset With(float[] fractions, int classes = 1) =>
            SegmentationDataset.FromArrays(images, masks, 1, 4, 4, classes, fractions: [fractions]);
        Assert.Contains("expected K x H x W = 1 x 4 x 4 = 16", Assert.Throws<ArgumentException>(() => With(new float[32])).Message);
        var tooLarge = new float[16];
        tooLarge[3] = 1.5f;
        Assert.Contains("holds 1.5 at value 3; expected fractions within 0..1", Assert.Throws<ArgumentException>(() => With(tooLarge)).Message);
        var notSummingToOne = Enumerable.Repeat(0.4f, 32).ToArray();
        Assert.Contains("sums to 0.8 over its 2 classes at pixel 0", Assert.Throws<ArgumentException>(() => With(notSummingToOne, 2)).Message);
        using var fine = With(Enumerable.Repeat(0.25f, 16).ToArray());
        Assert.Equal(new long[] { 1, 1, 4, 4 }, fine.Fractions!.shape);
    }

    [Fact]
    public void RandomCropsCutFractionsWhereTheyCutMasks()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        var masks = RandomMasks(3, 3, 12, 12);
        var (_, croppedMasks, _, croppedFractions) = Patches.RandomCrops(masks.unsqueeze(1), masks, null, OneHot(masks, 3), 5, new Random(2));
        Assert.Equal(new long[] { 3, 3, 5, 5 }, croppedFractions!.shape);
        Assert.True(croppedFractions.eq(OneHot(croppedMasks, 3)).all().item<bool>());
    }

    [Fact]
    public void TinyNetworkLearnsOrganSharesAtTheEdges()
    {
        using var training = Shrunk(96, seed: 1, withFractions: true);
        using var trainingOnMasks = Shrunk(96, seed: 1, withFractions: false);
        using var validation = Shrunk(24, seed: 2, withFractions: true);
        // Edge pixels, partly organ: how far the probability is from the pixel's share, for a network trained on the
        // shares and one trained on the masks they round to (same seed, data and steps).
        double onFractions = EdgeError(training, validation, out double dice), onMasks = EdgeError(trainingOnMasks, validation, out _);
        Assert.True(dice >= 0.85, $"best validation Dice {dice:F4}");
        Assert.True(onFractions < 0.85 * onMasks, $"mean |probability - share| at edge pixels: {onFractions:F3} trained on shares, {onMasks:F3} on masks");
    }

    static double EdgeError(SegmentationDataset training, SegmentationDataset validation, out double bestDice)
    {
        var options = new TrainerOptions { Epochs = 16, BatchSize = 8, LearningRate = 3e-3, Seed = 5, Schedule = LearningRateSchedule.Cosine };
        using var trainer = new UNetTrainer(new UNetOptions { Depth = 3, BaseFilters = 16, BatchNorm = true }, options);
        bestDice = trainer.Fit(training, validation).BestValidationDice ?? 0;
        using var scope = NewDisposeScope();
        trainer.Network.eval();
        using var noGrad = no_grad();
        var probabilities = nn.functional.sigmoid(trainer.Network.forward(validation.Images));
        var shares = validation.Fractions!;
        var edge = shares.gt(0.05).logical_and(shares.lt(0.95));
        return probabilities.sub(shares).abs().masked_select(edge).mean().item<float>();
    }

    // Shapes drawn at twice the size and shrunk 2 x 2: the images averaged, the masks' shares as fractions, and the
    // masks what the shares round to. What a shrunk label map gives.
    static SegmentationDataset Shrunk(int count, int seed, bool withFractions)
    {
        var (images, fineMasks) = SyntheticShapes.Generate(count, 128, 128, seed);
        List<float[]> shrunkImages = [], masks = [], fractions = [];
        using (NewDisposeScope())
        {
            foreach (var (image, mask) in images.Zip(fineMasks))
            {
                shrunkImages.Add(nn.functional.avg_pool2d(tensor(image, [1, 1, 128, 128]), 2).data<float>().ToArray());
                var share = nn.functional.avg_pool2d(tensor(mask, [1, 1, 128, 128]), 2);
                fractions.Add(share.data<float>().ToArray());
                masks.Add(share.ge(0.5).to(ScalarType.Float32).data<float>().ToArray());
            }
        }
        return SegmentationDataset.FromArrays(shrunkImages, masks, 1, 64, 64, fractions: withFractions ? fractions : null);
    }
}
