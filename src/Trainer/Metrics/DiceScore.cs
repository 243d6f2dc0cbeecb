using static TorchSharp.torch;

namespace MLNet.UNet.Metrics;

/// <summary>
/// Hard Dice of predicted masks: threshold 0.5 on the sigmoid for one class, arg-max for several (background
/// class 0 excluded). Per image and foreground class; an image where both prediction and truth are empty
/// scores 1, one where only one of them is empty scores 0.
/// </summary>
public static class DiceScore
{
    /// <summary>Dice per image (mean over foreground classes), as a tensor of N values.</summary>
    public static Tensor PerImage(Tensor logits, Tensor masks)
    {
        long classes = logits.shape[1];
        Tensor predicted, truth;
        if (classes == 1)
        {
            predicted = logits.squeeze(1).gt(0);
            truth = masks.gt(0.5);
            return Dice(predicted.unsqueeze(1), truth.unsqueeze(1)).squeeze(1);
        }
        var labels = logits.argmax(1);
        var target = masks.to(ScalarType.Int64);
        var perClass = new List<Tensor>();
        for (long c = 1; c < classes; c++)
            perClass.Add(Dice(labels.eq(c).unsqueeze(1), target.eq(c).unsqueeze(1)));
        return cat(perClass, 1).mean([1]);
    }

    static Tensor Dice(Tensor predicted, Tensor truth)
    {
        var sumDims = new long[] { 2, 3 };
        var intersection = predicted.logical_and(truth).sum(sumDims).to(ScalarType.Float64);
        var total = predicted.sum(sumDims).add(truth.sum(sumDims)).to(ScalarType.Float64);
        return where(total.eq(0), ones_like(total), intersection.mul(2).div(total.clamp_min(1)));
    }
}
