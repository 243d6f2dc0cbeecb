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
    public static void Write(string path, IReadOnlyList<OverlayTile> tiles, int height, int width, int columns = 4) =>
        PictureGrid.Draw(path, tiles, height, width, columns, tile => (tile.Image, tile.Truth, tile.Predicted), (grid, t, truthValues, predictedValues) =>
        {
            var truth = truthValues is null ? null : grid.Contour(Binary(truthValues, truthValues.Any(v => v > 1) ? 127.5f : 0.5f));
            var predicted = predictedValues is null ? null : grid.Contour(Binary(predictedValues, 0f));
            for (int i = 0; i < height * width; i++)
            {
                bool onTruth = truth?[i] == true, onPrediction = predicted?[i] == true;
                if (onTruth || onPrediction)
                    grid.Set(t, i, onPrediction ? (byte)255 : (byte)0, onTruth ? (byte)255 : (byte)0, 0);
            }
        });

    static bool[] Binary(float[] values, float cut) => values.Select(v => v > cut).ToArray();
}
