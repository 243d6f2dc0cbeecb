namespace MLNet.UNet.Evaluation;

/// <summary>Per-image overlap metrics of each foreground class of a class map, and their means.</summary>
public sealed class ClassSegmentationMetrics
{
    internal ClassSegmentationMetrics(IReadOnlyList<SegmentationMetrics> perClass)
    {
        PerClass = perClass;
        MeanDice = perClass.Average(c => c.MeanDice);
        MeanIoU = perClass.Average(c => c.MeanIoU);
    }

    /// <summary>The metrics of classes 1 to C-1, in order (index 0 is class 1): each class against the rest, per image.</summary>
    public IReadOnlyList<SegmentationMetrics> PerClass { get; }

    /// <summary>The mean over the foreground classes of their mean Dice.</summary>
    public double MeanDice { get; }

    /// <summary>The mean over the foreground classes of their mean IoU.</summary>
    public double MeanIoU { get; }
}
