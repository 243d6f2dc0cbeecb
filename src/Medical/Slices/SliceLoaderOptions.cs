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

    /// <summary>Seed of the choice of empty slices.</summary>
    public int Seed { get; set; } = 1;
}
