using MLNet.UNet.Images;

namespace MLNet.UNet.Medical.Slices;

/// <summary>
/// Writes slices as PNG pairs (image, mask), so that they can be trained through the LoadImages -> ResizeImages ->
/// ExtractPixels pipeline of the QuickStart like any other images.
/// </summary>
public static class SlicePngWriter
{
    /// <summary>
    /// Writes <c>&lt;patient&gt;_&lt;slice&gt;.png</c> and <c>&lt;patient&gt;_&lt;slice&gt;_mask.png</c> for every row. Intensities in
    /// [<paramref name="low"/>, <paramref name="high"/>] map to 0..255 (the default suits z-scored slices); mask
    /// classes above 0 become 255.
    /// </summary>
    public static IReadOnlyList<ImageMaskPair> Write(IEnumerable<SliceRow> rows, string folder, float low = -3, float high = 3)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (!(high > low))
            throw new ArgumentException($"The intensity window must have high > low, got [{low}, {high}].");
        var slices = rows.ToList();
        // Every row is checked before the first file is written, so a bad row leaves no partial set behind.
        foreach (var row in slices)
        {
            int length = row.Label.Length, root = (int)Math.Round(Math.Sqrt(length));
            if (root * root != length)
                throw new ArgumentException(
                    $"Slice {row.SliceIndex} of patient {row.PatientId} is not square ({length} label values); load the slices with an ImageSize.");
            if (row.Features.Length != length)
                throw new ArgumentException(
                    $"Slice {row.SliceIndex} of patient {row.PatientId} has {row.Features.Length / Math.Max(length, 1)} channels; PNG pairs hold one, " +
                    "so load the slices with NeighbourSlices = 0.");
        }
        Directory.CreateDirectory(folder);
        var pairs = new List<ImageMaskPair>();
        foreach (var row in slices)
        {
            int side = (int)Math.Round(Math.Sqrt(row.Label.Length));
            var name = $"{row.PatientId}_{row.SliceIndex:D3}";
            var image = Path.Combine(folder, name + ".png");
            var mask = Path.Combine(folder, name + "_mask.png");
            GrayPng.Write(image, row.Features, side, side, v => (v - low) / (high - low));
            GrayPng.Write(mask, row.Label, side, side, v => v > 0 ? 1f : 0f);
            pairs.Add(new ImageMaskPair(image, mask));
        }
        return pairs;
    }
}
