using static TorchSharp.torch;

namespace MLNet.UNet.Metrics;

/// <summary>
/// Hard Dice of predicted masks: threshold 0.5 on the sigmoid for one class, arg-max for several (background
/// class 0 excluded). Where both prediction and truth are empty the Dice is 1; where only one of them is, 0.
/// </summary>
public static class DiceScore
{
    /// <summary>Dice per image (mean over foreground classes), as a tensor of N values.</summary>
    public static Tensor PerImage(Tensor logits, Tensor masks) => PerImageAndClass(logits, masks).mean([1]);

    /// <summary>Dice per image and foreground class, as a tensor of N x classes values (N x 1 for one class).</summary>
    public static Tensor PerImageAndClass(Tensor logits, Tensor masks)
    {
        var (intersection, total) = Overlap(logits, masks);
        return Dice(intersection, total);
    }

    /// <summary>
    /// Overlap counts of the batch per foreground class, summed over its images: a tensor of classes x 2 holding the
    /// intersection |P ∩ T| and the total |P| + |T|. Summed over batches, <see cref="Pooled"/> turns them into a Dice.
    /// </summary>
    public static Tensor Counts(Tensor logits, Tensor masks)
    {
        var (intersection, total) = Overlap(logits, masks);
        return stack([intersection.sum([0]), total.sum([0])], 1);
    }

    /// <summary>Dice pooled over every pixel counted in <paramref name="counts"/> (from <see cref="Counts"/>), mean over classes.</summary>
    public static double Pooled(Tensor counts) => PooledPerClass(counts).Average();

    /// <summary>Dice of each foreground class pooled over every pixel counted in <paramref name="counts"/> (from <see cref="Counts"/>).</summary>
    public static double[] PooledPerClass(Tensor counts)
    {
        using var scope = NewDisposeScope();
        return Dice(counts[.., 0], counts[.., 1]).data<double>().ToArray();
    }

    // Intersection and total per image and foreground class (N x classes each).
    static (Tensor Intersection, Tensor Total) Overlap(Tensor logits, Tensor masks)
    {
        long classes = logits.shape[1];
        Tensor predicted, truth;
        if (classes == 1)
        {
            predicted = logits.gt(0);
            truth = masks.gt(0.5).unsqueeze(1);
        }
        else
        {
            var foreground = arange(1, classes, ScalarType.Int64, device: masks.device).view(1, -1, 1, 1);
            predicted = logits.argmax(1, keepdim: true).eq(foreground);
            truth = masks.to(ScalarType.Int64).unsqueeze(1).eq(foreground);
        }
        var sumDims = new long[] { 2, 3 };
        var intersection = predicted.logical_and(truth).sum(sumDims).to(ScalarType.Float64);
        var total = predicted.sum(sumDims).add(truth.sum(sumDims)).to(ScalarType.Float64);
        return (intersection, total);
    }

    static Tensor Dice(Tensor intersection, Tensor total) =>
        where(total.eq(0), ones_like(total), intersection.mul(2).div(total.clamp_min(1)));
}
