using MLNet.UNet.Data;
using MLNet.UNet.Transforms;
using static TorchSharp.torch;

namespace MLNet.UNet.Visualization;

/// <summary>
/// Draws what an <see cref="AugmentationOptions"/> does to training samples: for each of a few samples, the
/// original (first column) then augmented copies, each with its mask's contour in green, as a PNG grid.
/// </summary>
public static class AugmentationPreviewImage
{
    /// <summary>Writes the preview of the first <paramref name="samples"/> samples of <paramref name="data"/> (first channel shown).</summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="data">Training samples; their <see cref="SegmentationDataset.Regions"/> are used where the options need them.</param>
    /// <param name="options">The augmentation to show.</param>
    /// <param name="samples">Rows of the grid.</param>
    /// <param name="copies">Augmented copies per sample (columns after the original).</param>
    /// <param name="seed">Seed of the random choices; the same seed draws the same preview.</param>
    public static void Write(string path, SegmentationDataset data, AugmentationOptions options, int samples = 4, int copies = 5, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (samples < 1 || copies < 1)
            throw new ArgumentException($"Samples and copies must be positive, got {samples} and {copies}.");
        var augmenter = new Augmenter(options);
        var choices = new Random(seed);
        using var scope = NewDisposeScope();
        TorchSharp.torch.random.manual_seed(seed); // noise draws from libtorch's generator
        var indices = arange(Math.Min(samples, data.Count), ScalarType.Int64);
        var (images, masks) = (data.Images.index_select(0, indices), data.Masks.index_select(0, indices));
        var regions = data.Regions?.index_select(0, indices);
        var columns = new List<(Tensor Images, Tensor Masks)> { (images, masks) };
        for (int c = 0; c < copies; c++)
            columns.Add(augmenter.Apply(images, masks, choices, regions));
        var tiles = new List<OverlayTile>();
        for (int row = 0; row < indices.shape[0]; row++)
            foreach (var (columnImages, columnMasks) in columns)
                tiles.Add(new OverlayTile(columnImages[row, 0].contiguous().data<float>().ToArray(), columnMasks[row].contiguous().data<float>().ToArray(), null));
        OverlayImage.Write(path, tiles, data.Height, data.Width, columns: copies + 1);
    }
}
