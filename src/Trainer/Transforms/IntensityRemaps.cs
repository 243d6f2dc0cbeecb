using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.UNet.Transforms;

/// <summary>
/// The intensity transforms that change an image's contrast between structures rather than its overall level:
/// a remap per labelled region, a smooth bias field and a histogram shift. Each works on a whole batch; a sample
/// that was not drawn gets the identity.
/// </summary>
internal static class IntensityRemaps
{
    /// <summary>
    /// Gives each region of each drawn sample its own mean (uniform between the image's 1st and 99th percentiles)
    /// and texture scale; the change is blurred across region boundaries. <paramref name="regions"/> is N x H x W with region indices; <paramref name="drawn"/>
    /// says which samples change.
    /// </summary>
    public static Tensor ByRegion(Tensor images, Tensor regions, bool[] drawn, double maxTextureChange, Random random)
    {
        long n = images.shape[0];
        int count = (int)regions.max().item<float>() + 1;
        using var scope = NewDisposeScope();
        var oneHot = functional.one_hot(regions.to(ScalarType.Int64), count).permute(0, 3, 1, 2).to(images.dtype).unsqueeze(2); // N x K x 1 x H x W
        var x = images.unsqueeze(1);
        var area = oneHot.sum([3, 4], keepdim: true);
        var regionMean = x.mul(oneHot).sum([3, 4], keepdim: true).div(area.clamp_min(1));
        var sorted = images.flatten(1).sort(1).Values;
        long last = sorted.shape[1] - 1;
        var low = sorted[TensorIndex.Colon, (long)Math.Round(0.01 * last)].view(n, 1, 1, 1, 1);
        var high = sorted[TensorIndex.Colon, (long)Math.Round(0.99 * last)].view(n, 1, 1, 1, 1);

        var target = new float[n * count];
        var texture = new float[n * count];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < count; k++)
            {
                target[i * count + k] = drawn[i] ? (float)random.NextDouble() : float.NaN;
                texture[i * count + k] = drawn[i] ? (float)(1 + (random.NextDouble() * 2 - 1) * maxTextureChange) : 1f;
            }
        var fraction = tensor(target, device: images.device).view(n, count, 1, 1, 1);
        var newMean = where(fraction.isnan(), regionMean, low.add(high.sub(low).mul(fraction.nan_to_num())));
        var remapped = x.sub(regionMean).mul(tensor(texture, device: images.device).view(n, count, 1, 1, 1)).add(newMean).mul(oneHot).sum(1);
        // The change, not the image, is blurred over 5 x 5 pixels: a region's new level ramps into its neighbour's
        // like a partial-volume edge, rather than stepping exactly at the label boundary.
        var change = functional.avg_pool2d(remapped.sub(images), 5, stride: 1, padding: 2, count_include_pad: false);
        return images.add(change).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Multiplies each drawn sample, above its minimum, by a smooth field: exp of log-gains drawn in
    /// [-strength, strength] at 3 x 3 control points, interpolated bicubically. <paramref name="strength"/> is 0 for
    /// samples not drawn.
    /// </summary>
    public static Tensor BiasField(Tensor images, float[] strength, Random random)
    {
        long n = images.shape[0], height = images.shape[2], width = images.shape[3];
        const int points = 3;
        var gains = new float[n * points * points];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < points * points; k++)
                gains[i * points * points + k] = (float)((random.NextDouble() * 2 - 1) * strength[i]);
        using var scope = NewDisposeScope();
        // Bicubic interpolation can overshoot its control points; the clamp keeps every gain within the strength.
        float strongest = strength.Max();
        var field = functional.interpolate(tensor(gains, [n, 1, points, points], device: images.device), [height, width], mode: InterpolationMode.Bicubic, align_corners: true)
            .clamp(-strongest, strongest).exp();
        var low = images.amin([1, 2, 3], keepdim: true);
        return images.sub(low).mul(field).add(low).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Sends each drawn sample's intensities, rescaled to [0, 1], through a random monotone piecewise-linear curve
    /// with <paramref name="innerPoints"/> inner control points, and scales back.
    /// </summary>
    public static Tensor HistogramShift(Tensor images, bool[] drawn, int innerPoints, Random random)
    {
        long n = images.shape[0];
        int points = innerPoints + 2;
        double spacing = 1.0 / (points - 1);
        var curve = new float[n * points];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < points; p++)
            {
                double position = p * spacing;
                bool inner = p > 0 && p < points - 1;
                curve[i * points + p] = (float)(drawn[i] && inner ? position + (random.NextDouble() - 0.5) * spacing : position);
            }
        using var scope = NewDisposeScope();
        long[] dims = [1, 2, 3];
        var low = images.amin(dims, keepdim: true);
        var range = images.amax(dims, keepdim: true).sub(low).clamp_min(1e-6);
        var u = images.sub(low).div(range).clamp(0, 1).flatten(1);
        var segment = u.mul(points - 1).floor().clamp(0, points - 2);
        var within = u.mul(points - 1).sub(segment);
        var ys = tensor(curve, [n, points], device: images.device);
        var index = segment.to(ScalarType.Int64);
        var start = ys.gather(1, index);
        var end = ys.gather(1, index.add(1));
        var mapped = start.add(end.sub(start).mul(within)).view(images.shape);
        return mapped.mul(range).add(low).MoveToOuterDisposeScope();
    }
}
