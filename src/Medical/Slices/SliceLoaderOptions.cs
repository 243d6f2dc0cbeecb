using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Slices;

/// <summary>How <see cref="SliceLoader"/> turns volumes into 2D training slices.</summary>
public sealed class SliceLoaderOptions
{
    /// <summary>Slices are resized to ImageSize x ImageSize (bilinear for images, nearest for labels); null keeps them.</summary>
    public int? ImageSize { get; set; } = 128;

    /// <summary>Per-volume intensity normalization.</summary>
    public IntensityNormalization Normalization { get; set; } = new();

    /// <summary>Label values to classes.</summary>
    public LabelMapping Labels { get; set; } = LabelMapping.Liver;

    /// <summary>Fraction of the slices without any foreground to keep (1 keeps all, 0 keeps only slices with the organ).</summary>
    public double EmptySliceFraction { get; set; } = 1;

    /// <summary>
    /// Slices on each side stacked as extra channels (2.5D input): 0 gives 1 channel, 1 gives 3 channels
    /// (z - 1, z, z + 1), k gives 2k + 1. The slice itself is the middle channel; at the ends of the volume the
    /// edge slice is repeated. The network's InputChannels must be 2k + 1.
    /// </summary>
    public int NeighbourSlices { get; set; }

    /// <summary>Channels of the Features column that these options give: 2 x NeighbourSlices + 1.</summary>
    public int Channels => 2 * NeighbourSlices + 1;

    /// <summary>
    /// Keep every structure of the label volume, as it is (whole values 0..15, 0 the background), in each row's
    /// <see cref="SliceRow.Regions"/>, whatever <see cref="Labels"/> maps to the target: augmentation can then
    /// change each organ's intensity on its own (<c>UNetSegmentOptions.AugmentationRegionColumnName</c>).
    /// </summary>
    public bool KeepRegions { get; set; }

    /// <summary>Seed of the choice of empty slices.</summary>
    public int Seed { get; set; } = 1;
}
