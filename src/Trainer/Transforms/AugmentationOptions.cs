namespace MLNet.UNet.Transforms;

/// <summary>
/// On-the-fly augmentation of training batches. Each transform is applied to a sample with its own probability;
/// geometric ones move image and mask alike, intensity ones change the image only. All probabilities default to 0.
/// </summary>
public sealed class AugmentationOptions
{
    /// <summary>Probability of a horizontal flip.</summary>
    public double HorizontalFlipProbability { get; set; }

    /// <summary>Probability of a vertical flip.</summary>
    public double VerticalFlipProbability { get; set; }

    /// <summary>Probability of a rotation by a random multiple of 90 degrees (square images only).</summary>
    public double Rotate90Probability { get; set; }

    /// <summary>Probability of a small affine transform (rotation, scaling, shift).</summary>
    public double AffineProbability { get; set; }

    /// <summary>Largest rotation of the affine transform, in degrees either way.</summary>
    public double MaxRotationDegrees { get; set; } = 15;

    /// <summary>Largest relative scale change of the affine transform (0.1 = 0.9x to 1.1x).</summary>
    public double MaxScaleChange { get; set; } = 0.1;

    /// <summary>Largest shift of the affine transform, as a fraction of the image size.</summary>
    public double MaxShiftFraction { get; set; } = 0.1;

    /// <summary>
    /// Probability of an elastic deformation: a smooth random displacement field, interpolated (bicubic) from
    /// <see cref="ElasticControlPoints"/> x <see cref="ElasticControlPoints"/> random displacements, as in the
    /// original U-Net paper, where it taught the network to tolerate the shape variation of a few training images.
    /// </summary>
    public double ElasticProbability { get; set; }

    /// <summary>Largest displacement of a control point, as a fraction of the image size, either way on each axis.</summary>
    public double MaxElasticDisplacement { get; set; } = 0.03;

    /// <summary>Control points of the displacement field on each axis (more points give a finer, more local deformation).</summary>
    public int ElasticControlPoints { get; set; } = 4;

    /// <summary>Probability of a brightness change.</summary>
    public double BrightnessProbability { get; set; }

    /// <summary>Largest brightness offset, in units of the image's standard deviation.</summary>
    public double MaxBrightnessShift { get; set; } = 0.1;

    /// <summary>Probability of a contrast change.</summary>
    public double ContrastProbability { get; set; }

    /// <summary>Largest relative contrast change around the image mean (0.2 = 0.8x to 1.2x).</summary>
    public double MaxContrastChange { get; set; } = 0.2;

    /// <summary>Probability of a gamma change (applied to the image rescaled to [0, 1], then scaled back).</summary>
    public double GammaProbability { get; set; }

    /// <summary>Largest gamma change: gamma is drawn from [1/(1+g), 1+g].</summary>
    public double MaxGammaChange { get; set; } = 0.3;

    /// <summary>
    /// Probability that a sample's gamma change is made on the inverted image (1 - (1 - x)^gamma, nnU-Net's
    /// "inverted gamma"), which darkens or brightens the dark end instead of the bright one. Drawn for samples whose
    /// gamma was drawn.
    /// </summary>
    public double InvertedGammaProbability { get; set; }

    /// <summary>
    /// Probability that each labelled region of a sample (each organ of the augmentation regions, and the
    /// background; or the mask's foreground and background when no regions are given) gets an intensity of its
    /// own, as SynthSeg draws one per label: the region's mean moves to a value drawn uniformly between the image's
    /// 1st and 99th percentiles and its texture is scaled by a factor from [1 - <see cref="MaxRegionTextureChange"/>,
    /// 1 + <see cref="MaxRegionTextureChange"/>], so that no sharp new edge marks a
    /// label boundary the network could learn to look for (the change is blurred over 5 x 5 pixels). It teaches the network the organs' shapes rather than
    /// their usual brightness (a dark, iron-loaded liver).
    /// </summary>
    public double RegionIntensityProbability { get; set; }

    /// <summary>Largest relative change of a region's texture (its deviations from its mean) in <see cref="RegionIntensityProbability"/>.</summary>
    public double MaxRegionTextureChange { get; set; } = 0.5;

    /// <summary>
    /// Probability of a smooth multiplicative bias field (the slow intensity drift of MRI coils), interpolated
    /// (bicubic) from 3 x 3 random log-gains, applied to the image above its minimum.
    /// </summary>
    public double BiasFieldProbability { get; set; }

    /// <summary>Largest log-gain of the bias field at a control point (0.3 = gains from 0.74x to 1.35x).</summary>
    public double MaxBiasFieldStrength { get; set; } = 0.3;

    /// <summary>
    /// Probability of a histogram shift (MONAI's RandHistogramShift): the intensities, rescaled to [0, 1], go
    /// through a random monotone piecewise-linear curve whose <see cref="HistogramShiftControlPoints"/> inner
    /// points move by up to half their spacing.
    /// </summary>
    public double HistogramShiftProbability { get; set; }

    /// <summary>Inner control points of the histogram shift's curve.</summary>
    public int HistogramShiftControlPoints { get; set; } = 4;

    /// <summary>
    /// Probability that a sample is seen at a lower resolution (nnU-Net's simulated low resolution, as from a coarser
    /// scan): the sample, all its channels at one scale, is downsampled by a factor drawn from
    /// [<see cref="MinLowResolutionScale"/>, 1] (nearest) and upsampled back (bicubic). The mask is untouched.
    /// </summary>
    public double LowResolutionProbability { get; set; }

    /// <summary>Smallest scale of <see cref="LowResolutionProbability"/> (0.5: down to half the pixels on each side).</summary>
    public double MinLowResolutionScale { get; set; } = 0.5;

    /// <summary>Probability of added Gaussian noise.</summary>
    public double NoiseProbability { get; set; }

    /// <summary>Noise standard deviation, in units of the image's standard deviation.</summary>
    public double NoiseStandardDeviation { get; set; } = 0.05;

    /// <summary>No augmentation.</summary>
    public static AugmentationOptions None => new();

    /// <summary>Settings that suit MRI slices: flips, small affine, intensity; no 90-degree rotations (anatomy has an orientation).</summary>
    public static AugmentationOptions Default => new()
    {
        HorizontalFlipProbability = 0.5,
        AffineProbability = 0.5,
        BrightnessProbability = 0.3,
        ContrastProbability = 0.3,
        GammaProbability = 0.3,
        NoiseProbability = 0.2,
    };

    /// <summary>True when any transform has a probability above 0.</summary>
    public bool Enabled => Geometric || Intensity || RegionIntensityProbability > 0 || LowResolutionProbability > 0;

    internal bool Geometric => HorizontalFlipProbability > 0 || VerticalFlipProbability > 0 || Rotate90Probability > 0 || AffineProbability > 0
        || ElasticProbability > 0;

    internal bool Intensity => BrightnessProbability > 0 || ContrastProbability > 0 || GammaProbability > 0 || NoiseProbability > 0
        || BiasFieldProbability > 0 || HistogramShiftProbability > 0;

    /// <summary>A copy that later changes to this instance do not affect.</summary>
    public AugmentationOptions Clone() => (AugmentationOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[]
        {
            (nameof(HorizontalFlipProbability), HorizontalFlipProbability), (nameof(VerticalFlipProbability), VerticalFlipProbability),
            (nameof(Rotate90Probability), Rotate90Probability), (nameof(AffineProbability), AffineProbability),
            (nameof(ElasticProbability), ElasticProbability),
            (nameof(BrightnessProbability), BrightnessProbability), (nameof(ContrastProbability), ContrastProbability),
            (nameof(GammaProbability), GammaProbability), (nameof(NoiseProbability), NoiseProbability),
            (nameof(InvertedGammaProbability), InvertedGammaProbability), (nameof(RegionIntensityProbability), RegionIntensityProbability),
            (nameof(BiasFieldProbability), BiasFieldProbability), (nameof(HistogramShiftProbability), HistogramShiftProbability),
            (nameof(LowResolutionProbability), LowResolutionProbability),
        })
            if (!(value >= 0 && value <= 1))
                throw new ArgumentException($"AugmentationOptions.{name} must be a probability in [0, 1], got {value}.");
        foreach (var (name, value, max) in new[]
        {
            (nameof(MaxRotationDegrees), MaxRotationDegrees, 180.0), (nameof(MaxScaleChange), MaxScaleChange, 0.9),
            (nameof(MaxShiftFraction), MaxShiftFraction, 1.0), (nameof(MaxElasticDisplacement), MaxElasticDisplacement, 0.25),
            (nameof(MaxBrightnessShift), MaxBrightnessShift, 10.0),
            (nameof(MaxContrastChange), MaxContrastChange, 0.9), (nameof(MaxGammaChange), MaxGammaChange, 10.0),
            (nameof(NoiseStandardDeviation), NoiseStandardDeviation, 10.0),
            (nameof(MaxRegionTextureChange), MaxRegionTextureChange, 0.9), (nameof(MaxBiasFieldStrength), MaxBiasFieldStrength, 2.0),
        })
            if (!(value >= 0 && value <= max))
                throw new ArgumentException($"AugmentationOptions.{name} must be in [0, {max}], got {value}.");
        if (!(MinLowResolutionScale >= 0.1 && MinLowResolutionScale <= 1))
            throw new ArgumentException($"AugmentationOptions.MinLowResolutionScale must be in [0.1, 1], got {MinLowResolutionScale}.");
        if (HistogramShiftControlPoints is < 1 or > 32)
            throw new ArgumentException($"AugmentationOptions.HistogramShiftControlPoints must be in [1, 32], got {HistogramShiftControlPoints}.");
        if (ElasticControlPoints is < 2 or > 64)
            throw new ArgumentException($"AugmentationOptions.ElasticControlPoints must be in [2, 64], got {ElasticControlPoints}.");
    }
}
