using static TorchSharp.torch;

namespace MLNet.UNet.Losses;

/// <summary>Computes the configured <see cref="SegmentationLoss"/> from logits and masks.</summary>
public sealed class LossFunction
{
    readonly SegmentationLoss kind;
    readonly double crossEntropyWeight;
    readonly double diceWeight;

    /// <summary>Creates the loss; the weights apply to <see cref="SegmentationLoss.BinaryCrossEntropyPlusDice"/>.</summary>
    public LossFunction(SegmentationLoss kind, double crossEntropyWeight = 0.5, double diceWeight = 0.5)
    {
        if (!Enum.IsDefined(kind))
            throw new ArgumentException($"Unknown loss {kind}.");
        if (!(crossEntropyWeight >= 0 && diceWeight >= 0 && crossEntropyWeight + diceWeight > 0))
            throw new ArgumentException(
                $"Loss weights must be non-negative and not both zero, got cross-entropy {crossEntropyWeight} and Dice {diceWeight}.");
        this.kind = kind;
        this.crossEntropyWeight = crossEntropyWeight;
        this.diceWeight = diceWeight;
    }

    /// <summary>The scalar loss for logits N x K x H x W and masks N x H x W.</summary>
    public Tensor Compute(Tensor logits, Tensor masks) => kind switch
    {
        SegmentationLoss.BinaryCrossEntropy => CrossEntropyLoss.Compute(logits, masks),
        SegmentationLoss.SoftDice => DiceLoss.Compute(logits, masks),
        _ => CrossEntropyLoss.Compute(logits, masks).mul(crossEntropyWeight)
            .add(DiceLoss.Compute(logits, masks).mul(diceWeight)),
    };
}
