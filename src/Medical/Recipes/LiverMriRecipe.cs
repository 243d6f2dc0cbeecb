using MLNet.UNet.Losses;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;

namespace MLNet.UNet.Medical.Recipes;

/// <summary>
/// The settings of the LiverMri example, which give the README's CHAOS T2-SPIR liver results within an hour on
/// two CPU cores: the network, the optimizer and schedule, and MRI-minded augmentation.
/// </summary>
public static class LiverMriRecipe
{
    /// <summary>Neighbour slices on each side given to the network as extra channels (see <see cref="SliceLoaderOptions.NeighbourSlices"/>).</summary>
    public const int NeighbourSlices = 0;

    /// <summary>Fraction of the liver-free slices kept for training (all slices with liver are kept).</summary>
    public const double TrainingEmptySliceFraction = 0.25;

    /// <summary>
    /// Slice loading: imageSize x imageSize slices with <paramref name="neighbourSlices"/> on each side; for training,
    /// all slices with liver and <paramref name="emptySliceFraction"/> of the others (drawn with <paramref name="seed"/>),
    /// otherwise every slice.
    /// </summary>
    public static SliceLoaderOptions Slices(bool training, int imageSize = 128, int neighbourSlices = NeighbourSlices,
        double emptySliceFraction = TrainingEmptySliceFraction, int seed = 1) => new()
    {
        ImageSize = imageSize, NeighbourSlices = neighbourSlices, EmptySliceFraction = training ? emptySliceFraction : 1, Seed = seed,
        KeepRegions = training,
    };

    /// <summary>The column of the organs' regions that <see cref="Slices"/> keeps for training, for the per-organ intensity augmentation.</summary>
    public const string RegionColumnName = nameof(SliceRow.Regions);

    /// <summary>Whether the recipe turns on <see cref="RobustIntensity"/>.</summary>
    public const bool UsesRobustIntensity = true;

    /// <summary>
    /// U-Net of depth 5, 24 base filters, batch norm (the "medium" preset), for the channels of <see cref="Slices"/>
    /// (2 x <see cref="NeighbourSlices"/> + 1).
    /// </summary>
    public static UNetOptions Network() => UNetOptions.Preset("medium", Slices(training: false).Channels);

    /// <summary>
    /// Affine moves, brightness, contrast, gamma and noise; no flips, since the liver's side of the body is anatomy,
    /// not noise. (Adding elastic deformation did not help here; see the README.)
    /// </summary>
    public static AugmentationOptions Augmentation(bool robustIntensity = UsesRobustIntensity)
    {
        var augmentation = new AugmentationOptions
        {
            AffineProbability = 0.7, MaxRotationDegrees = 15, MaxScaleChange = 0.15, MaxShiftFraction = 0.08,
            BrightnessProbability = 0.3, ContrastProbability = 0.3, GammaProbability = 0.3, NoiseProbability = 0.2,
        };
        if (robustIntensity)
            RobustIntensity(augmentation);
        return augmentation;
    }

    /// <summary>
    /// Intensity augmentation against patients whose images look unlike the training ones (an iron-loaded, dark liver;
    /// another scanner): each organ and the background get their own random intensity in a third of the slices
    /// (SynthSeg's idea), gamma reaches 0.67-1.5 and is made on the inverted image in a third of those, a smooth
    /// bias field and a histogram shift (nnU-Net's and MONAI's transforms). The strengths are the usual ones of
    /// those tools, not the stress test's shifts.
    /// </summary>
    public static void RobustIntensity(AugmentationOptions augmentation)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        augmentation.RegionIntensityProbability = 0.3;
        augmentation.MaxRegionTextureChange = 0.5;
        augmentation.MaxGammaChange = 0.5;
        augmentation.InvertedGammaProbability = 0.33;
        augmentation.BiasFieldProbability = 0.3;
        augmentation.MaxBiasFieldStrength = 0.3;
        augmentation.HistogramShiftProbability = 0.2;
    }

    /// <summary>
    /// AdamW 2e-3 with weight decay 1e-4, cosine schedule, BCE + batch Dice (the Dice summed over the batch, so
    /// that slices with a sliver of liver weigh by their pixels, as in the volume's Dice), gradient clipping at 5,
    /// batch 8, and a moving average of the weights over about the last 200 steps, which is what is validated and kept.
    /// </summary>
    public static TrainerOptions Trainer(int epochs, TimeSpan? timeBudget = null, bool robustIntensity = UsesRobustIntensity) => new()
    {
        Epochs = epochs, BatchSize = 8, LearningRate = 2e-3, Optimizer = OptimizerKind.AdamW, WeightDecay = 1e-4,
        Schedule = LearningRateSchedule.Cosine, Loss = SegmentationLoss.BinaryCrossEntropyPlusDice, BatchDice = true,
        TimeBudget = timeBudget, MaxGradientNorm = 5, Augmentation = Augmentation(robustIntensity), WeightAveragingDecay = 0.995,
    };
}
