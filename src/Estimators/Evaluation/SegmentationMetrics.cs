namespace MLNet.UNet.Evaluation;

/// <summary>Overlap of one predicted mask with its ground truth.</summary>
/// <param name="Row">Row index in the evaluated data.</param>
/// <param name="Dice">2|P∩T| / (|P| + |T|); 1 when both are empty, 0 when only one is.</param>
/// <param name="IoU">|P∩T| / |P∪T| (Jaccard); 1 when both are empty, 0 when only one is.</param>
/// <param name="PredictedPixels">Foreground pixels predicted.</param>
/// <param name="TruePixels">Foreground pixels in the ground truth.</param>
public sealed record ImageOverlap(int Row, double Dice, double IoU, long PredictedPixels, long TruePixels);

/// <summary>Per-image overlap metrics of a segmentation and their means.</summary>
public sealed class SegmentationMetrics
{
    internal SegmentationMetrics(IReadOnlyList<ImageOverlap> perImage)
    {
        PerImage = perImage;
        MeanDice = perImage.Average(i => i.Dice);
        MeanIoU = perImage.Average(i => i.IoU);
        DiceStandardDeviation = Math.Sqrt(perImage.Average(i => Math.Pow(i.Dice - MeanDice, 2)));
    }

    /// <summary>Mean Dice over images.</summary>
    public double MeanDice { get; }

    /// <summary>Standard deviation of the per-image Dice.</summary>
    public double DiceStandardDeviation { get; }

    /// <summary>Mean IoU (Jaccard) over images.</summary>
    public double MeanIoU { get; }

    /// <summary>The metrics of every image, in row order.</summary>
    public IReadOnlyList<ImageOverlap> PerImage { get; }
}
