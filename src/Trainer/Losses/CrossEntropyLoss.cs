using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.UNet.Losses;

/// <summary>Cross-entropy on logits: binary (sigmoid) for one class, categorical (softmax) for several.</summary>
public static class CrossEntropyLoss
{
    /// <summary>Mean loss over pixels. <paramref name="masks"/> is N x H x W (0/1, or class indices).</summary>
    public static Tensor Compute(Tensor logits, Tensor masks)
    {
        if (logits.shape[1] == 1)
            return functional.binary_cross_entropy_with_logits(logits.squeeze(1), masks);
        return functional.cross_entropy(logits, masks.to(ScalarType.Int64));
    }

    /// <summary>
    /// Mean loss over pixels against label fractions (N x K x H x W, the share of each pixel each class covers; one
    /// channel, the foreground's, for a binary network): the cross-entropy of the predicted distribution against the
    /// fractions, which equals <see cref="Compute"/> where every fraction is 0 or 1.
    /// </summary>
    public static Tensor ComputeOnFractions(Tensor logits, Tensor fractions)
    {
        if (logits.shape[1] == 1)
            return functional.binary_cross_entropy_with_logits(logits, fractions);
        return functional.log_softmax(logits, 1).mul(fractions).sum(1).mean().neg();
    }
}
