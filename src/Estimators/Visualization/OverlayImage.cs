using Microsoft.ML.Data;

namespace MLNet.UNet.Visualization;

/// <summary>One tile of an overlay: a grayscale image with its true and predicted masks (all H x W, row-major).</summary>
/// <param name="Image">Pixel intensities; the tile stretches their range to black..white.</param>
/// <param name="Truth">Ground-truth mask (foreground above 0.5 of its range), or null.</param>
/// <param name="Predicted">Predicted mask (foreground above 0), or null.</param>
public sealed record OverlayTile(float[] Image, float[]? Truth, float[]? Predicted);

/// <summary>
/// Writes a PNG grid of tiles: each image in gray with the ground-truth contour in green and the predicted contour
/// in red (yellow where they coincide).
/// </summary>
public static class OverlayImage
{
    /// <summary>Writes the tiles in a grid with <paramref name="columns"/> columns to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<OverlayTile> tiles, int height, int width, int columns = 4)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        if (tiles.Count == 0)
            throw new ArgumentException("There are no tiles to draw.", nameof(tiles));
        if (height < 1 || width < 1 || columns < 1)
            throw new ArgumentException($"Tile size and column count must be positive, got {height} x {width} and {columns} columns.");
        columns = Math.Min(columns, tiles.Count);
        int rows = (tiles.Count + columns - 1) / columns;
        const int gap = 2;
        int gridWidth = columns * width + (columns - 1) * gap, gridHeight = rows * height + (rows - 1) * gap;
        var pixels = new byte[gridWidth * gridHeight * 4];
        for (int i = 3; i < pixels.Length; i += 4)
            pixels[i] = 255;
        for (int t = 0; t < tiles.Count; t++)
        {
            var tile = tiles[t];
            foreach (var (values, name) in new[] { (tile.Image, "Image"), (tile.Truth, "Truth"), (tile.Predicted, "Predicted") })
                if (values is not null && values.Length != height * width)
                    throw new ArgumentException($"Tile {t}: {name} has {values.Length} values, expected {height} x {width}.");
            int originX = t % columns * (width + gap), originY = t / columns * (height + gap);
            float low = tile.Image.Min(), range = Math.Max(tile.Image.Max() - low, 1e-6f);
            var truth = tile.Truth is null ? null : Contour(Binary(tile.Truth, tile.Truth.Any(v => v > 1) ? 127.5f : 0.5f), height, width);
            var predicted = tile.Predicted is null ? null : Contour(Binary(tile.Predicted, 0f), height, width);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int i = y * width + x;
                    byte gray = (byte)Math.Clamp((tile.Image[i] - low) / range * 255f, 0f, 255f);
                    byte red = gray, green = gray, blue = gray;
                    bool onTruth = truth?[i] == true, onPrediction = predicted?[i] == true;
                    if (onTruth || onPrediction)
                        (red, green, blue) = (onPrediction ? (byte)255 : (byte)0, onTruth ? (byte)255 : (byte)0, 0);
                    int p = ((originY + y) * gridWidth + originX + x) * 4;
                    pixels[p] = blue;
                    pixels[p + 1] = green;
                    pixels[p + 2] = red;
                }
        }
        using var image = MLImage.CreateFromPixels(gridWidth, gridHeight, MLPixelFormat.Bgra32, pixels);
        AtomicFile.WriteVia(path, image.Save);
    }

    static bool[] Binary(float[] values, float cut) => values.Select(v => v > cut).ToArray();

    // A foreground pixel with a 4-neighbour in the background (or on the image border).
    static bool[] Contour(bool[] mask, int height, int width)
    {
        var edge = new bool[mask.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                edge[i] = mask[i] && (x == 0 || y == 0 || x == width - 1 || y == height - 1
                    || !mask[i - 1] || !mask[i + 1] || !mask[i - width] || !mask[i + width]);
            }
        return edge;
    }
}
