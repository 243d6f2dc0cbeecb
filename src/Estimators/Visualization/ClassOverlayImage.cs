namespace MLNet.UNet.Visualization;

/// <summary>One tile of a class overlay: a grayscale image with true and predicted class maps (all H x W, row-major).</summary>
/// <param name="Image">Pixel intensities; the tile stretches their range to black..white.</param>
/// <param name="Truth">True class index per pixel (0 is the background), or null.</param>
/// <param name="Predicted">Predicted class index per pixel (0 is the background), for example ArgMax's output, or null.</param>
public sealed record ClassOverlayTile(float[] Image, float[]? Truth, float[]? Predicted);

/// <summary>
/// Writes a PNG grid of tiles for models of several classes: each image in gray, the predicted classes filled in
/// their colours at 40% over the image, and the true classes' contours in the same colours at full strength, so that
/// a wrong class and a wrong border both show.
/// </summary>
public static class ClassOverlayImage
{
    /// <summary>The colour of class 1, 2, ... (red, green, blue, yellow, magenta, cyan, orange, purple), repeated past the eighth.</summary>
    public static IReadOnlyList<(byte Red, byte Green, byte Blue)> Palette { get; } =
        [(230, 25, 75), (60, 180, 75), (0, 130, 200), (255, 225, 25), (240, 50, 230), (70, 240, 240), (245, 130, 48), (145, 30, 180)];

    /// <summary>The name of class <paramref name="index"/>'s colour (1-based), for a legend.</summary>
    public static string ColourName(int index) => index >= 1 ? ColourNames[(index - 1) % ColourNames.Length]
        : throw new ArgumentOutOfRangeException(nameof(index), index, "Class indices with a colour start at 1 (0 is the background).");

    static readonly string[] ColourNames = ["red", "green", "blue", "yellow", "magenta", "cyan", "orange", "purple"];

    /// <summary>Writes the tiles in a grid with <paramref name="columns"/> columns to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">A tile's size differs, or a class index is negative or not whole.</exception>
    public static void Write(string path, IReadOnlyList<ClassOverlayTile> tiles, int height, int width, int columns = 4) =>
        PictureGrid.Draw(path, tiles, height, width, columns, tile => (tile.Image, tile.Truth, tile.Predicted), (grid, t, truth, predicted) =>
        {
            if (predicted is not null)
                for (int i = 0; i < predicted.Length; i++)
                    if (Class(t, predicted[i], "Predicted") is > 0 and var c)
                    {
                        var (r, g, b) = grid.Get(t, i);
                        var colour = Palette[(c - 1) % Palette.Count];
                        grid.Set(t, i, Blend(r, colour.Red), Blend(g, colour.Green), Blend(b, colour.Blue));
                    }
            if (truth is not null)
                foreach (int c in truth.Select(v => Class(t, v, "Truth")).Where(c => c > 0).Distinct())
                {
                    var edge = grid.Contour([.. truth.Select(v => (int)v == c)]);
                    var colour = Palette[(c - 1) % Palette.Count];
                    for (int i = 0; i < edge.Length; i++)
                        if (edge[i])
                            grid.Set(t, i, colour.Red, colour.Green, colour.Blue);
                }
        });

    static byte Blend(byte under, byte over) => (byte)(0.6 * under + 0.4 * over);

    static int Class(int tile, float value, string name) =>
        value >= 0 && value == MathF.Floor(value) ? (int)value
            : throw new ArgumentException($"Tile {tile}: {name} holds {value}, expected class indices (whole numbers, 0 for the background).");
}
