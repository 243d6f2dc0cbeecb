using MLNet.UNet.Transforms;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

/// <summary>The contrast-changing augmentations: per-region intensities, inverted gamma, bias field, histogram shift; and simulated low resolution.</summary>
public class IntensityAugmentationTests
{
    // Three regions (background 0, organs 1 and 2) of known intensities with a little texture.
    static (Tensor Images, Tensor Masks, Tensor Regions) ThreeRegions(int count = 4)
    {
        var regions = zeros(count, 32, 32);
        regions[TensorIndex.Colon, TensorIndex.Slice(4, 16), TensorIndex.Slice(4, 28)] = tensor(1f);
        regions[TensorIndex.Colon, TensorIndex.Slice(20, 28), TensorIndex.Slice(8, 24)] = tensor(2f);
        var images = regions.mul(1.5f).add(0.2f).unsqueeze(1).add(rand(count, 1, 32, 32, generator: new Generator(5)).mul(0.05f));
        return (images, regions.eq(1).to(ScalarType.Float32), regions);
    }

    static float RegionMean(Tensor images, Tensor regions, int sample, int region) =>
        images[sample, 0].masked_select(regions[sample].eq(region)).mean().item<float>();

    [Fact]
    public void EachRegionGetsAnIntensityOfItsOwnAndTheMaskIsUntouched()
    {
        using var scope = NewDisposeScope();
        var (images, masks, regions) = ThreeRegions();
        var augmenter = new Augmenter(new AugmentationOptions { RegionIntensityProbability = 1 });
        var (changed, changedMasks) = augmenter.Apply(images, masks, new Random(7), regions);
        Assert.True(changedMasks.eq(masks).all().item<bool>());
        float low = images.min().item<float>(), high = images.max().item<float>();
        var orders = new HashSet<string>();
        for (int i = 0; i < 4; i++)
        {
            var means = Enumerable.Range(0, 3).Select(k => RegionMean(changed, regions, i, k)).ToArray();
            Assert.All(means, m => Assert.InRange(m, low - 0.2f, high + 0.2f));
            Assert.Contains(means.Zip(Enumerable.Range(0, 3).Select(k => RegionMean(images, regions, i, k))), p => Math.Abs(p.First - p.Second) > 0.05);
            orders.Add(string.Join(",", Enumerable.Range(0, 3).OrderBy(k => means[k])));
        }
        // The organs' brightness order is redrawn: across samples it is not always the original 0 < 1 < 2.
        Assert.True(orders.Count > 1, $"the regions kept one brightness order: {string.Join(" ", orders)}");
        var (again, _) = augmenter.Apply(images, masks, new Random(7), regions);
        Assert.True(again.eq(changed).all().item<bool>());
    }

    [Fact]
    public void WithoutRegionsTheMaskSplitsTheImageIntoTwo()
    {
        using var scope = NewDisposeScope();
        var (images, masks, _) = ThreeRegions(2);
        var (changed, _) = new Augmenter(new AugmentationOptions { RegionIntensityProbability = 1 }).Apply(images, masks, new Random(3));
        Assert.False(changed.eq(images).all().item<bool>());
        Assert.True(changed.isfinite().all().item<bool>());
    }

    [Fact]
    public void InvertedGammaKeepsTheRangeAndOrderButBendsTheOtherEnd()
    {
        using var scope = NewDisposeScope();
        var ramp = linspace(0, 1, 64).view(1, 1, 1, 64).expand(2, 1, 8, 64).contiguous();
        var masks = zeros(2, 8, 64);
        var options = new AugmentationOptions { GammaProbability = 1, MaxGammaChange = 1, InvertedGammaProbability = 1 };
        var (curved, _) = new Augmenter(options).Apply(ramp, masks, new Random(11));
        var plainOptions = new AugmentationOptions { GammaProbability = 1, MaxGammaChange = 1 };
        var (plain, _) = new Augmenter(plainOptions).Apply(ramp, masks, new Random(11));
        foreach (var result in new[] { curved, plain })
        {
            var row = result[0, 0, 0];
            Assert.Equal(0f, row[0].item<float>(), 4);
            Assert.Equal(1f, row[63].item<float>(), 4);
            Assert.True(row.diff().ge(-1e-6f).all().item<bool>());
        }
        // Same gamma drawn, so the inverted curve is the point reflection of the plain one: f_inv(u) = 1 - f(1 - u).
        var reflected = plain[0, 0, 0].flip(0).neg().add(1);
        Assert.True(curved[0, 0, 0].sub(reflected).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void BiasFieldIsASmoothGainWithinItsStrength()
    {
        using var scope = NewDisposeScope();
        var images = ones(3, 1, 32, 32).mul(2);
        images[TensorIndex.Colon, TensorIndex.Colon, 0, 0] = tensor(0f); // the minimum, which stays put
        var (changed, _) = new Augmenter(new AugmentationOptions { BiasFieldProbability = 1, MaxBiasFieldStrength = 0.3 })
            .Apply(images, zeros(3, 32, 32), new Random(5));
        var gain = changed.div(2)[TensorIndex.Colon, 0, TensorIndex.Slice(1, null), TensorIndex.Slice(1, null)];
        Assert.InRange(gain.min().item<float>(), (float)Math.Exp(-0.3) - 1e-4f, 1.01f);
        Assert.InRange(gain.max().item<float>(), 0.99f, (float)Math.Exp(0.3) + 1e-4f);
        Assert.True(gain.max().item<float>() - gain.min().item<float>() > 0.05f);
        Assert.True(gain.diff(dim: 2).abs().max().item<float>() < 0.1f); // smooth: neighbouring pixels differ little
    }

    [Fact]
    public void HistogramShiftIsMonotoneAndKeepsTheRange()
    {
        using var scope = NewDisposeScope();
        var images = rand(4, 1, 16, 16, generator: new Generator(2)).mul(3).sub(1);
        var (shifted, _) = new Augmenter(new AugmentationOptions { HistogramShiftProbability = 1 }).Apply(images, zeros(4, 16, 16), new Random(9));
        for (int i = 0; i < 4; i++)
        {
            var order = images[i].flatten().argsort();
            var mapped = shifted[i].flatten().index_select(0, order);
            Assert.True(mapped.diff().ge(-1e-5f).all().item<bool>(), "the curve is not monotone");
            Assert.Equal(images[i].min().item<float>(), shifted[i].min().item<float>(), 4);
            Assert.Equal(images[i].max().item<float>(), shifted[i].max().item<float>(), 4);
        }
        Assert.True(shifted.sub(images).abs().max().item<float>() > 0.01f);
    }

    [Fact]
    public void LowResolutionBlursEdgesKeepsTheLevelAndLeavesTheMask()
    {
        using var scope = NewDisposeScope();
        // A checkerboard of 1-pixel squares has nothing left at half resolution; a flat image stays flat.
        var board = arange(32).view(1, 32).add(arange(32).view(32, 1)).remainder(2).to(ScalarType.Float32);
        var images = stack([board, ones(32, 32).mul(0.7f)]).unsqueeze(1).repeat(2, 1, 1, 1); // samples: board, flat, board, flat
        var masks = board.unsqueeze(0).repeat(4, 1, 1);
        var options = new AugmentationOptions { LowResolutionProbability = 1, MinLowResolutionScale = 0.5 };
        var (coarse, coarseMasks) = new Augmenter(options).Apply(images, masks, new Random(5));
        Assert.Equal(images.shape, coarse.shape);
        Assert.True(coarseMasks.eq(masks).all().item<bool>());
        for (int i = 0; i < 4; i += 2)
        {
            // Neighbouring pixels of the board differ by 1; a coarser sampling loses that finest detail.
            float step = coarse[i, 0].diff(dim: 1).abs().mean().item<float>();
            Assert.True(step < 0.9f, $"sample {i} kept the board's full resolution: mean step {step}");
            Assert.Equal(0.7f, coarse[i + 1, 0].mean().item<float>(), 3);
        }
        var (again, _) = new Augmenter(options).Apply(images, masks, new Random(5));
        Assert.True(again.eq(coarse).all().item<bool>());
        // Off, it draws nothing, so that runs without it repeat those made before it existed.
        var choices = new Random(5);
        new Augmenter(new AugmentationOptions { LowResolutionProbability = 0 }).Apply(images, masks, choices);
        Assert.Equal(new Random(5).Next(), choices.Next());
    }

    [Fact]
    public void NewOptionsAreValidated()
    {
        Assert.Contains("RegionIntensityProbability", Assert.Throws<ArgumentException>(() => new AugmentationOptions { RegionIntensityProbability = 2 }.Validate()).Message);
        Assert.Contains("MaxBiasFieldStrength", Assert.Throws<ArgumentException>(() => new AugmentationOptions { MaxBiasFieldStrength = -1 }.Validate()).Message);
        Assert.Contains("HistogramShiftControlPoints", Assert.Throws<ArgumentException>(() => new AugmentationOptions { HistogramShiftControlPoints = 0 }.Validate()).Message);
        Assert.Contains("MinLowResolutionScale", Assert.Throws<ArgumentException>(() => new AugmentationOptions { MinLowResolutionScale = 0 }.Validate()).Message);
        Assert.Contains("LowResolutionProbability", Assert.Throws<ArgumentException>(() => new AugmentationOptions { LowResolutionProbability = -0.1 }.Validate()).Message);
        Assert.True(new AugmentationOptions { RegionIntensityProbability = 0.5 }.Enabled);
        Assert.True(new AugmentationOptions { LowResolutionProbability = 0.5 }.Enabled);
    }
}
