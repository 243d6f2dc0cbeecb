namespace MLNet.UNet.Losses;

/// <summary>The loss minimized in training.</summary>
public enum SegmentationLoss
{
    /// <summary>Binary cross-entropy on the logits (categorical cross-entropy for several classes).</summary>
    BinaryCrossEntropy,

    /// <summary>Soft Dice loss, 1 - Dice of the probabilities, per image and class, averaged.</summary>
    SoftDice,

    /// <summary>Weighted sum of cross-entropy and soft Dice (see the trainer's weights).</summary>
    BinaryCrossEntropyPlusDice,
}
