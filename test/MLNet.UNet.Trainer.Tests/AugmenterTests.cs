using MLNet.UNet.Transforms;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

public class AugmenterTests
{
    [Fact]
    public void FlipsMoveImageAndMaskExactlyAlike()
    {
        using var scope = NewDisposeScope();
        var masks = rand(3, 16, 24).gt(0.5).to(ScalarType.Float32);
        var images = masks.unsqueeze(1).mul(2).add(rand(3, 1, 16, 24).mul(0.1));
        var augmenter = new Augmenter(new AugmentationOptions { HorizontalFlipProbability = 1 });
        var (flippedImages, flippedMasks) = augmenter.Apply(images, masks, new Random(1));
        Assert.True(flippedImages.sub(images.flip(3)).abs().max().item<float>() < 1e-5f);
        Assert.True(flippedMasks.eq(masks.flip(2)).all().item<bool>());
    }

    [Fact]
    public void Rotate90IsOneOfTheThreeExactQuarterTurns()
    {
        using var scope = NewDisposeScope();
        var masks = rand(1, 16, 16).gt(0.5).to(ScalarType.Float32);
        var (_, rotated) = new Augmenter(new AugmentationOptions { Rotate90Probability = 1 }).Apply(masks.unsqueeze(1), masks, new Random(2));
        Assert.Contains(new[] { 1, 2, 3 }, k => rotated.eq(masks.rot90(k, (1, 2))).all().item<bool>());
    }

    [Fact]
    public void AffineKeepsMasksBinaryAndAlignedWithTheImage()
    {
        using var scope = NewDisposeScope();
        var masks = zeros(4, 32, 32);
        masks[TensorIndex.Colon, TensorIndex.Slice(8, 24), TensorIndex.Slice(10, 20)] = tensor(1f);
        var images = masks.unsqueeze(1).clone();
        var augmenter = new Augmenter(new AugmentationOptions { AffineProbability = 1, MaxRotationDegrees = 20, MaxShiftFraction = 0.1 });
        var (movedImages, movedMasks) = augmenter.Apply(images, masks, new Random(3));
        Assert.True(movedMasks.eq(0).logical_or(movedMasks.eq(1)).all().item<bool>());
        Assert.False(movedMasks.eq(masks).all().item<bool>());
        double agreement = movedImages.squeeze(1).gt(0.5).eq(movedMasks.gt(0.5)).to(ScalarType.Float32).mean().item<float>();
        Assert.True(agreement > 0.97, $"image and mask agree on {agreement:P1} of pixels");
    }

    [Fact]
    public void ElasticDeformationBendsImageAndMaskAlikeWithinItsBound()
    {
        using var scope = NewDisposeScope();
        var masks = zeros(4, 32, 32);
        masks[TensorIndex.Colon, TensorIndex.Slice(10, 22), TensorIndex.Slice(8, 24)] = tensor(1f);
        var images = masks.unsqueeze(1).clone();
        // 0.05 of the size is 1.6 pixels at most at a control point; bicubic interpolation may overshoot a little.
        var augmenter = new Augmenter(new AugmentationOptions { ElasticProbability = 1, MaxElasticDisplacement = 0.05, ElasticControlPoints = 5 });
        var (movedImages, movedMasks) = augmenter.Apply(images, masks, new Random(7));

        Assert.True(movedMasks.eq(0).logical_or(movedMasks.eq(1)).all().item<bool>());
        for (int i = 0; i < 4; i++)
            Assert.False(movedMasks[i].eq(masks[i]).all().item<bool>(), $"sample {i} was not deformed");
        var grown = zeros(4, 32, 32);
        grown[TensorIndex.Colon, TensorIndex.Slice(7, 25), TensorIndex.Slice(5, 27)] = tensor(1f);
        var shrunk = zeros(4, 32, 32);
        shrunk[TensorIndex.Colon, TensorIndex.Slice(13, 19), TensorIndex.Slice(11, 21)] = tensor(1f);
        Assert.True(movedMasks.le(grown).all().item<bool>(), "a mask pixel moved more than 3 pixels out");
        Assert.True(movedMasks.ge(shrunk).all().item<bool>(), "a mask pixel moved more than 3 pixels in");
        double agreement = movedImages.squeeze(1).gt(0.5).eq(movedMasks.gt(0.5)).to(ScalarType.Float32).mean().item<float>();
        Assert.True(agreement > 0.97, $"image and mask agree on {agreement:P1} of pixels");
    }

    [Fact]
    public void IntensityChangesTheImageOnlyAndStaysFinite()
    {
        using var scope = NewDisposeScope();
        var images = randn(4, 1, 16, 16);
        var masks = rand(4, 16, 16).gt(0.5).to(ScalarType.Float32);
        var augmenter = new Augmenter(new AugmentationOptions
        {
            BrightnessProbability = 1, ContrastProbability = 1, GammaProbability = 1, NoiseProbability = 1,
        });
        var (changed, sameMasks) = augmenter.Apply(images, masks, new Random(4));
        Assert.True(isfinite(changed).all().item<bool>());
        Assert.True(changed.sub(images).abs().max().item<float>() > 1e-3f);
        Assert.True(sameMasks.eq(masks).all().item<bool>());
    }
}
