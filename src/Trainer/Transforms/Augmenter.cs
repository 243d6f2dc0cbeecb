using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.UNet.Transforms;

/// <summary>
/// Applies <see cref="AugmentationOptions"/> to a batch in a few native operations: all geometric transforms of a
/// sample are composed into one sampling grid (an affine matrix plus an optional elastic displacement) and resampled
/// once (bilinear for images and label fractions, nearest for masks, so labels stay labels); intensity changes are per-sample parameters, identity where a sample was not drawn.
/// Random choices come from the given <see cref="Random"/> and libtorch's generator, so a seeded run repeats.
/// </summary>
public sealed class Augmenter
{
    readonly AugmentationOptions options;

    /// <summary>Creates an augmenter; the options are copied.</summary>
    public Augmenter(AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options.Clone();
    }

    /// <summary>Returns augmented copies of images (N x C x H x W) and masks (N x H x W).</summary>
    /// <param name="images">The batch's images.</param>
    /// <param name="masks">The batch's masks.</param>
    /// <param name="random">The source of the random choices.</param>
    /// <param name="regions">
    /// Region indices (N x H x W) for <see cref="AugmentationOptions.RegionIntensityProbability"/>, such as every organ of
    /// a label map when the mask holds one; the mask is used when null.
    /// </param>
    public (Tensor Images, Tensor Masks) Apply(Tensor images, Tensor masks, Random random, Tensor? regions = null)
    {
        var (movedImages, movedMasks, _) = Run(images, masks, null, random, regions);
        return (movedImages, movedMasks);
    }

    /// <summary>
    /// As <see cref="Apply(Tensor, Tensor, Random, Tensor?)"/>, also moving the batch's label fractions (N x K x H x W,
    /// see <see cref="Data.SegmentationDataset.Fractions"/>) with the masks, bilinearly: a fraction stays the share of
    /// the moved pixel that each class covers. The random choices are those of the call without fractions.
    /// </summary>
    public (Tensor Images, Tensor Masks, Tensor Fractions) Apply(Tensor images, Tensor masks, Tensor fractions, Random random, Tensor? regions = null)
    {
        ArgumentNullException.ThrowIfNull(fractions);
        var (movedImages, movedMasks, movedFractions) = Run(images, masks, fractions, random, regions);
        return (movedImages, movedMasks, movedFractions!);
    }

    (Tensor Images, Tensor Masks, Tensor? Fractions) Run(Tensor images, Tensor masks, Tensor? fractions, Random random, Tensor? regions)
    {
        // Drawn only when enabled, so that runs without it repeat those of earlier versions.
        if (options.RegionIntensityProbability > 0)
        {
            var drawn = Enumerable.Range(0, (int)images.shape[0]).Select(_ => random.NextDouble() < options.RegionIntensityProbability).ToArray();
            if (drawn.Any(d => d))
                images = IntensityRemaps.ByRegion(images, regions ?? masks, drawn, options.MaxRegionTextureChange, random);
        }
        if (options.Geometric)
            (images, masks, fractions) = Resample(images, masks, fractions, random);
        // Drawn only when enabled, so that runs without it repeat those of earlier versions.
        if (options.LowResolutionProbability > 0)
            images = LowerResolution(images, random);
        if (options.Intensity)
            images = ChangeIntensity(images, random);
        return (images, masks, fractions);
    }

    (Tensor, Tensor, Tensor?) Resample(Tensor images, Tensor masks, Tensor? fractions, Random random)
    {
        long n = images.shape[0], height = images.shape[2], width = images.shape[3];
        int controlValues = 2 * options.ElasticControlPoints * options.ElasticControlPoints;
        var theta = new float[n * 6];
        float[]? displacements = null;
        bool any = false;
        for (int i = 0; i < n; i++)
        {
            var matrix = SampleMatrix(random, height, width, out bool changed);
            any |= changed;
            Array.Copy(matrix, 0, theta, i * 6, 6);
            // Drawn only when enabled, so that runs without elastic deformation repeat those of earlier versions.
            if (options.ElasticProbability > 0 && random.NextDouble() < options.ElasticProbability)
            {
                displacements ??= new float[n * controlValues];
                SampleDisplacements(random, displacements.AsSpan(i * controlValues, controlValues));
                any = true;
            }
        }
        if (!any)
            return (images, masks, fractions);
        var grid = functional.affine_grid(tensor(theta, [n, 2, 3], device: images.device), [n, 1, height, width], align_corners: false);
        if (displacements is not null)
            grid = grid.add(DisplacementField(displacements, n, height, width, images.device));
        var movedImages = functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, false);
        var movedMasks = functional.grid_sample(masks.unsqueeze(1), grid, GridSampleMode.Nearest, GridSamplePaddingMode.Reflection, false);
        var movedFractions = fractions is null ? null
            : functional.grid_sample(fractions, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, false);
        return (movedImages, movedMasks.squeeze(1), movedFractions);
    }

    // Each drawn sample goes down to a random scale (nearest) and back up (bicubic): the blur and blockiness of a coarser scan.
    Tensor LowerResolution(Tensor images, Random random)
    {
        long n = images.shape[0], height = images.shape[2], width = images.shape[3];
        var samples = new List<Tensor>((int)n);
        bool any = false;
        for (long i = 0; i < n; i++)
        {
            var sample = images[TensorIndex.Slice(i, i + 1)];
            if (random.NextDouble() < options.LowResolutionProbability)
            {
                double scale = options.MinLowResolutionScale + random.NextDouble() * (1 - options.MinLowResolutionScale);
                long[] low = [Math.Max(1, (long)Math.Round(height * scale)), Math.Max(1, (long)Math.Round(width * scale))];
                if (low[0] != height || low[1] != width)
                {
                    var coarse = functional.interpolate(sample, low, mode: InterpolationMode.Nearest);
                    sample = functional.interpolate(coarse, [height, width], mode: InterpolationMode.Bicubic, align_corners: false);
                    any = true;
                }
            }
            samples.Add(sample);
        }
        return any ? cat(samples, 0) : images;
    }

    // Control-point displacements in normalized units, where the image spans 2.
    void SampleDisplacements(Random random, Span<float> values)
    {
        for (int k = 0; k < values.Length; k++)
            values[k] = (float)((random.NextDouble() * 2 - 1) * options.MaxElasticDisplacement * 2);
    }

    // N x H x W x 2 displacement, in the (x, y) order of the sampling grid; zero for samples not drawn.
    Tensor DisplacementField(float[] displacements, long n, long height, long width, Device device)
    {
        int points = options.ElasticControlPoints;
        var controls = tensor(displacements, [n, 2, points, points], device: device);
        var field = functional.interpolate(controls, [height, width], mode: InterpolationMode.Bicubic, align_corners: true);
        return field.permute(0, 2, 3, 1);
    }

    // The 2 x 3 matrix maps output coordinates to input coordinates in [-1, 1]. Rotations are made in pixel
    // units (so that a non-square image is not sheared) and converted to normalized units.
    float[] SampleMatrix(Random random, long height, long width, out bool changed)
    {
        double a = 1, b = 0, c = 0, d = 1, tx = 0, ty = 0;
        changed = false;
        if (random.NextDouble() < options.HorizontalFlipProbability)
        {
            a = -a; c = -c;
            changed = true;
        }
        if (random.NextDouble() < options.VerticalFlipProbability)
        {
            b = -b; d = -d;
            changed = true;
        }
        if (height == width && random.NextDouble() < options.Rotate90Probability)
        {
            int turns = random.Next(1, 4);
            for (int t = 0; t < turns; t++)
                (a, b, c, d) = (-b, a, -d, c);
            changed = true;
        }
        if (random.NextDouble() < options.AffineProbability)
        {
            double angle = (random.NextDouble() * 2 - 1) * options.MaxRotationDegrees * Math.PI / 180;
            double scale = 1 + (random.NextDouble() * 2 - 1) * options.MaxScaleChange;
            double cos = Math.Cos(angle) / scale, sin = Math.Sin(angle) / scale;
            double aspect = (double)width / height;
            // Rotation in pixel space expressed in normalized coordinates: D^-1 R D with D = diag(W, H).
            double r00 = cos, r01 = -sin / aspect, r10 = sin * aspect, r11 = cos;
            (a, b, c, d) = (r00 * a + r01 * c, r00 * b + r01 * d, r10 * a + r11 * c, r10 * b + r11 * d);
            tx = (random.NextDouble() * 2 - 1) * options.MaxShiftFraction * 2;
            ty = (random.NextDouble() * 2 - 1) * options.MaxShiftFraction * 2;
            changed = true;
        }
        return [(float)a, (float)b, (float)tx, (float)c, (float)d, (float)ty];
    }

    Tensor ChangeIntensity(Tensor images, Random random)
    {
        long n = images.shape[0];
        var shift = new float[n];
        var contrast = new float[n];
        var gamma = new float[n];
        var noise = new float[n];
        var inverted = new bool[n];
        for (int i = 0; i < n; i++)
        {
            shift[i] = random.NextDouble() < options.BrightnessProbability
                ? (float)((random.NextDouble() * 2 - 1) * options.MaxBrightnessShift) : 0f;
            contrast[i] = random.NextDouble() < options.ContrastProbability
                ? (float)(1 + (random.NextDouble() * 2 - 1) * options.MaxContrastChange) : 1f;
            gamma[i] = random.NextDouble() < options.GammaProbability
                ? (float)Math.Pow(1 + options.MaxGammaChange, random.NextDouble() * 2 - 1) : 1f;
            noise[i] = random.NextDouble() < options.NoiseProbability ? (float)options.NoiseStandardDeviation : 0f;
            if (options.InvertedGammaProbability > 0)
                inverted[i] = random.NextDouble() < options.InvertedGammaProbability;
        }
        long[] perSample = [n, 1, 1, 1];
        long[] imageDims = [1, 2, 3];
        var mean = images.mean(imageDims, keepdim: true);
        var std = images.std(imageDims, keepdim: true).clamp_min(1e-6);
        var x = images;
        if (gamma.Any(g => g != 1f))
        {
            var low = images.amin(imageDims, keepdim: true);
            var range = images.amax(imageDims, keepdim: true).sub(low).clamp_min(1e-6);
            var unit = x.sub(low).div(range).clamp(0, 1);
            var exponent = tensor(gamma, device: images.device).view(perSample);
            var curved = inverted.Any(v => v)
                ? where(tensor(inverted, device: images.device).view(perSample), unit.neg().add(1).pow(exponent).neg().add(1), unit.pow(exponent))
                : unit.pow(exponent);
            x = curved.mul(range).add(low);
        }
        if (contrast.Any(k => k != 1f))
            x = x.sub(mean).mul(tensor(contrast, device: images.device).view(perSample)).add(mean);
        if (shift.Any(s => s != 0f))
            x = x.add(tensor(shift, device: images.device).view(perSample).mul(std));
        if (options.HistogramShiftProbability > 0)
        {
            var drawn = Enumerable.Range(0, (int)n).Select(_ => random.NextDouble() < options.HistogramShiftProbability).ToArray();
            if (drawn.Any(d => d))
                x = IntensityRemaps.HistogramShift(x, drawn, options.HistogramShiftControlPoints, random);
        }
        if (options.BiasFieldProbability > 0)
        {
            var strength = Enumerable.Range(0, (int)n)
                .Select(_ => random.NextDouble() < options.BiasFieldProbability ? (float)options.MaxBiasFieldStrength : 0f).ToArray();
            if (strength.Any(s => s != 0f))
                x = IntensityRemaps.BiasField(x, strength, random);
        }
        if (noise.Any(s => s != 0f))
            x = x.add(randn_like(x).mul(tensor(noise, device: images.device).view(perSample).mul(std)));
        return x;
    }
}
