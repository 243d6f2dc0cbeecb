using static TorchSharp.torch;

namespace MLNet.UNet.Losses;

/// <summary>Computes the configured <see cref="SegmentationLoss"/> from logits and masks.</summary>
public sealed class LossFunction
{
    readonly SegmentationLoss kind;
    readonly double crossEntropyWeight;
    readonly double diceWeight;
    readonly bool batchDice;

    /// <summary>Creates the loss; the weights apply to <see cref="SegmentationLoss.BinaryCrossEntropyPlusDice"/>.</summary>
    /// <param name="kind">Which loss.</param>
    /// <param name="crossEntropyWeight">Weight of cross-entropy in the sum.</param>
    /// <param name="diceWeight">Weight of soft Dice in the sum.</param>
    /// <param name="batchDice">Soft Dice over the whole batch instead of per image (see <see cref="DiceLoss"/>).</param>
    public LossFunction(SegmentationLoss kind, double crossEntropyWeight = 0.5, double diceWeight = 0.5, bool batchDice = false)
    {
        if (!Enum.IsDefined(kind))
            throw new ArgumentException($"Unknown loss {kind}.");
        if (!(crossEntropyWeight >= 0 && diceWeight >= 0 && crossEntropyWeight + diceWeight > 0))
            throw new ArgumentException(
                $"Loss weights must be non-negative and not both zero, got cross-entropy {crossEntropyWeight} and Dice {diceWeight}.");
        this.kind = kind;
        this.crossEntropyWeight = crossEntropyWeight;
        this.diceWeight = diceWeight;
        this.batchDice = batchDice;
    }

    /// <summary>The scalar loss for logits N x K x H x W and masks N x H x W.</summary>
    public Tensor Compute(Tensor logits, Tensor masks) => kind switch
    {
        SegmentationLoss.BinaryCrossEntropy => CrossEntropyLoss.Compute(logits, masks),
        SegmentationLoss.SoftDice => DiceLoss.Compute(logits, masks, overBatch: batchDice),
        _ => CrossEntropyLoss.Compute(logits, masks).mul(crossEntropyWeight)
            .add(DiceLoss.Compute(logits, masks, overBatch: batchDice).mul(diceWeight)),
    };

    /// <summary>
    /// The scalar loss for logits N x K x H x W against label fractions N x K x H x W (one channel for a binary
    /// network; see <see cref="Data.SegmentationDataset.Fractions"/>); equals <see cref="Compute"/> on 0/1 fractions.
    /// </summary>
    public Tensor ComputeOnFractions(Tensor logits, Tensor fractions) => kind switch
    {
        SegmentationLoss.BinaryCrossEntropy => CrossEntropyLoss.ComputeOnFractions(logits, fractions),
        SegmentationLoss.SoftDice => DiceLoss.ComputeOnFractions(logits, fractions, overBatch: batchDice),
        _ => CrossEntropyLoss.ComputeOnFractions(logits, fractions).mul(crossEntropyWeight)
            .add(DiceLoss.ComputeOnFractions(logits, fractions, overBatch: batchDice).mul(diceWeight)),
    };
}
