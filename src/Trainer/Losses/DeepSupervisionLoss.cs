using static TorchSharp.torch;

namespace MLNet.UNet.Losses;

/// <summary>
/// The loss of a deeply supervised U-Net (<see cref="Networks.UNetOptions.DeepSupervisionOutputs"/>) with nnU-Net's
/// weights: the full-resolution loss with weight 1 and each lower level's, against the masks downsampled to its
/// size, with weight 1/2^k; the weights are normalized to sum to 1, so the loss stays on the scale of the plain one.
/// (nnU-Net supervises every level but the lowest; here the number of levels is the network's option.)
/// </summary>
public static class DeepSupervisionLoss
{
    /// <summary>
    /// The weighted sum of <paramref name="loss"/> over <paramref name="logits"/> (N x K x H x W) and
    /// <paramref name="lowerLevels"/> (level k at H/2^k x W/2^k, k = 1, 2, ...) against <paramref name="masks"/> (N x H x W).
    /// </summary>
    public static Tensor Compute(LossFunction loss, Tensor logits, IReadOnlyList<Tensor> lowerLevels, Tensor masks)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return Weighted(loss.Compute(logits, masks), lowerLevels, (level, k) => loss.Compute(level, Downsample(masks, k)));
    }

    /// <summary>
    /// As <see cref="Compute"/>, against label fractions (N x K x H x W): each lower level's target is the mean of the
    /// fractions over each of its pixels' 2^k x 2^k blocks, which is what those pixels cover.
    /// </summary>
    public static Tensor ComputeOnFractions(LossFunction loss, Tensor logits, IReadOnlyList<Tensor> lowerLevels, Tensor fractions)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return Weighted(loss.ComputeOnFractions(logits, fractions), lowerLevels,
            (level, k) => loss.ComputeOnFractions(level, nn.functional.avg_pool2d(fractions, [1L << k, 1L << k])));
    }

    static Tensor Weighted(Tensor fullResolution, IReadOnlyList<Tensor> lowerLevels, Func<Tensor, int, Tensor> levelLoss)
    {
        ArgumentNullException.ThrowIfNull(lowerLevels);
        double totalWeight = 1;
        var sum = fullResolution;
        for (int k = 1; k <= lowerLevels.Count; k++)
        {
            double weight = Math.Pow(0.5, k);
            sum = sum.add(levelLoss(lowerLevels[k - 1], k).mul(weight));
            totalWeight += weight;
        }
        return sum.div(totalWeight);
    }

    /// <summary>
    /// <paramref name="masks"/> (N x H x W, 0/1 or class indices) at 1/2^<paramref name="level"/> of their size: from each
    /// 2^level x 2^level block, the pixel next to its centre. Picking a pixel (not averaging) keeps class indices whole.
    /// </summary>
    public static Tensor Downsample(Tensor masks, int level)
    {
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentOutOfRangeException.ThrowIfLessThan(level, 1);
        long step = 1L << level, offset = step / 2;
        return masks.slice(1, offset, masks.shape[1], step).slice(2, offset, masks.shape[2], step);
    }
}
