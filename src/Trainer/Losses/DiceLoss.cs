using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.UNet.Losses;

/// <summary>
/// Soft Dice loss: 1 - (2 sum(p t) + s) / (sum(p) + sum(t) + s) per image and class, averaged, where p are the
/// probabilities and t the one-hot target. With several classes the background (class 0) is left out, as nnU-Net does:
/// it covers most pixels, and its Dice near 1 would only dilute the organs'. The smoothing s keeps empty masks from dividing by zero. In batch mode
/// the sums run over the whole batch, as nnU-Net's "batch Dice" does: slices that hold only a sliver of the organ
/// then weigh by their pixels, like they do in a volume's Dice, instead of as much as a full slice.
/// </summary>
public static class DiceLoss
{
    /// <summary>Default smoothing term.</summary>
    public const double DefaultSmoothing = 1.0;

    /// <summary>Mean soft Dice loss. <paramref name="masks"/> is N x H x W (0/1, or class indices).</summary>
    /// <param name="logits">N x K x H x W network output.</param>
    /// <param name="masks">N x H x W targets.</param>
    /// <param name="smoothing">Added to numerator and denominator.</param>
    /// <param name="overBatch">Sum over the batch and average over classes only (batch Dice).</param>
    public static Tensor Compute(Tensor logits, Tensor masks, double smoothing = DefaultSmoothing, bool overBatch = false)
    {
        if (logits.shape[1] == 1)
            return Against(functional.sigmoid(logits), masks.unsqueeze(1), smoothing, overBatch);
        long classes = logits.shape[1];
        var target = functional.one_hot(masks.to(ScalarType.Int64), classes).permute(0, 3, 1, 2).to(logits.dtype);
        return Against(functional.softmax(logits, 1).narrow(1, 1, classes - 1), target.narrow(1, 1, classes - 1), smoothing, overBatch);
    }

    /// <summary>
    /// Mean soft Dice loss against label fractions (N x K x H x W; one channel, the foreground's, for a binary
    /// network): the target of each pixel is the share of it that each class covers. Equals <see cref="Compute"/>
    /// where every fraction is 0 or 1.
    /// </summary>
    public static Tensor ComputeOnFractions(Tensor logits, Tensor fractions, double smoothing = DefaultSmoothing, bool overBatch = false)
    {
        if (logits.shape[1] == 1)
            return Against(functional.sigmoid(logits), fractions, smoothing, overBatch);
        long classes = logits.shape[1];
        return Against(functional.softmax(logits, 1).narrow(1, 1, classes - 1), fractions.narrow(1, 1, classes - 1), smoothing, overBatch);
    }

    static Tensor Against(Tensor probabilities, Tensor target, double smoothing, bool overBatch)
    {
        long[] sumDims = overBatch ? [0, 2, 3] : [2, 3];
        var intersection = probabilities.mul(target).sum(sumDims);
        var total = probabilities.sum(sumDims).add(target.sum(sumDims));
        var dice = intersection.mul(2).add(smoothing).div(total.add(smoothing));
        return dice.mean().neg().add(1);
    }
}
