namespace MLNet.UNet.Visualization;

/// <summary>One tile of an overlay: a grayscale image with its true and predicted masks (all H x W, row-major).</summary>
/// <param name="Image">Pixel intensities; the tile stretches their range to black..white.</param>
/// <param name="Truth">Ground-truth mask (foreground above 0.5 of its range), or null.</param>
/// <param name="Predicted">Predicted mask (foreground above 0), or null.</param>
public sealed record OverlayTile(float[] Image, float[]? Truth, float[]? Predicted);

/// <summary>
/// Writes a PNG grid of tiles: each image in gray with the ground-truth contour in green and the predicted contour
/// in red (yellow where they coincide). For class maps, see <see cref="ClassOverlayImage"/>.
/// </summary>
public static class OverlayImage
{
    /// <summary>Writes the tiles in a grid with <paramref name="columns"/> columns to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<OverlayTile> tiles, int height, int width, int columns = 4)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        var grid = new PictureGrid(tiles.Count, height, width, columns);
        for (int t = 0; t < tiles.Count; t++)
        {
            var tile = tiles[t];
            grid.CheckSize(t, tile.Truth, "Truth");
            grid.CheckSize(t, tile.Predicted, "Predicted");
            grid.Gray(t, tile.Image);
            var truth = tile.Truth is null ? null : grid.Contour(Binary(tile.Truth, tile.Truth.Any(v => v > 1) ? 127.5f : 0.5f));
            var predicted = tile.Predicted is null ? null : grid.Contour(Binary(tile.Predicted, 0f));
            for (int i = 0; i < height * width; i++)
            {
                bool onTruth = truth?[i] == true, onPrediction = predicted?[i] == true;
                if (onTruth || onPrediction)
                    grid.Set(t, i, onPrediction ? (byte)255 : (byte)0, onTruth ? (byte)255 : (byte)0, 0);
            }
        }
        grid.Save(path);
    }

    static bool[] Binary(float[] values, float cut) => values.Select(v => v > cut).ToArray();
}
