using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Recipes;

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

    /// <summary>
    /// Also give each row its label fractions (<see cref="SliceRow.LabelFractions"/>): the share of each resized pixel
    /// that each class covers in the full-resolution label slice, the target of
    /// <c>UNetSegmentOptions.LabelFractionColumnName</c> (see <see cref="Recipes.TrainingRecipe.LabelFractions"/>).
    /// </summary>
    public bool LabelFractions { get; set; }

    /// <summary>Seed of the choice of empty slices.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Largest <see cref="NeighbourSlices"/> accepted.</summary>
    public const int MaxNeighbourSlices = 8;

    /// <summary>
    /// The slicing of <paramref name="recipe"/>: its image size and neighbour slices; for training, its fraction of
    /// the organ-free slices (drawn with its seed; all of them when it draws them anew each epoch,
    /// <see cref="TrainingRecipe.RedrawEmptySlices"/>), the label map's structures when its augmentation uses them, and
    /// the label fractions when it trains on them; otherwise every slice.
    /// </summary>
    public static SliceLoaderOptions FromRecipe(TrainingRecipe recipe, bool training)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return new SliceLoaderOptions
        {
            ImageSize = recipe.ImageSize, NeighbourSlices = recipe.NeighbourSlices, EmptySliceFraction = training && !recipe.RedrawEmptySlices ? recipe.EmptySliceFraction : 1,
            KeepRegions = training && recipe.UsesRegions, LabelFractions = training && recipe.LabelFractions, Seed = recipe.Seed,
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is out of range.</summary>
    public void Validate()
    {
        if (!(EmptySliceFraction >= 0 && EmptySliceFraction <= 1))
            throw new ArgumentException($"SliceLoaderOptions.EmptySliceFraction must be in [0, 1], got {EmptySliceFraction}.");
        if (ImageSize is < 1)
            throw new ArgumentException($"SliceLoaderOptions.ImageSize must be positive or null, got {ImageSize}.");
        if (NeighbourSlices is < 0 or > MaxNeighbourSlices)
            throw new ArgumentException($"SliceLoaderOptions.NeighbourSlices must be in [0, {MaxNeighbourSlices}], got {NeighbourSlices}.");
        ArgumentNullException.ThrowIfNull(Normalization, "SliceLoaderOptions.Normalization");
        ArgumentNullException.ThrowIfNull(Labels, "SliceLoaderOptions.Labels");
    }
}
