using Microsoft.ML.Data;

namespace MLNet.UNet.Visualization;

/// <summary>
/// The canvas the overlays draw on: equal tiles in a grid with a black gap, each a grayscale image to colour over,
/// saved as PNG (atomically).
/// </summary>
internal sealed class PictureGrid
{
    const int Gap = 2;
    readonly byte[] pixels;
    readonly int gridWidth, gridHeight, height, width, columns;

    /// <exception cref="ArgumentException">There is no tile, or a size or the column count is not positive.</exception>
    PictureGrid(int tiles, int height, int width, int columns)
    {
        if (tiles == 0)
            throw new ArgumentException("There are no tiles to draw.", nameof(tiles));
        if (height < 1 || width < 1 || columns < 1)
            throw new ArgumentException($"Tile size and column count must be positive, got {height} x {width} and {columns} columns.");
        this.height = height;
        this.width = width;
        this.columns = Math.Min(columns, tiles);
        int rows = (tiles + this.columns - 1) / this.columns;
        gridWidth = this.columns * width + (this.columns - 1) * Gap;
        gridHeight = rows * height + (rows - 1) * Gap;
        pixels = new byte[gridWidth * gridHeight * 4];
        for (int i = 3; i < pixels.Length; i += 4)
            pixels[i] = 255;
    }

    /// <summary>
    /// Draws each tile's image in gray, lets <paramref name="colour"/> paint its truth and prediction over it, and saves
    /// the grid to <paramref name="path"/>.
    /// </summary>
    public static void Draw<TTile>(string path, IReadOnlyList<TTile> tiles, int height, int width, int columns,
        Func<TTile, (float[] Image, float[]? Truth, float[]? Predicted)> parts, Action<PictureGrid, int, float[]?, float[]?> colour)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        var grid = new PictureGrid(tiles.Count, height, width, columns);
        for (int t = 0; t < tiles.Count; t++)
        {
            var (image, truth, predicted) = parts(tiles[t]);
            grid.CheckSize(t, truth, "Truth");
            grid.CheckSize(t, predicted, "Predicted");
            grid.Gray(t, image);
            colour(grid, t, truth, predicted);
        }
        grid.Save(path);
    }

    /// <summary>Throws unless <paramref name="values"/> (when given) has one value per pixel of a tile.</summary>
    void CheckSize(int tile, float[]? values, string name)
    {
        if (values is not null && values.Length != height * width)
            throw new ArgumentException($"Tile {tile}: {name} has {values.Length} values, expected {height} x {width}.");
    }

    /// <summary>Draws <paramref name="image"/> into tile <paramref name="tile"/> in gray, its range stretched to black..white.</summary>
    void Gray(int tile, float[] image)
    {
        CheckSize(tile, image, "Image");
        float low = image.Min(), range = Math.Max(image.Max() - low, 1e-6f);
        for (int i = 0; i < image.Length; i++)
        {
            byte gray = (byte)Math.Clamp((image[i] - low) / range * 255f, 0f, 255f);
            Set(tile, i, gray, gray, gray);
        }
    }

    /// <summary>The colour of pixel <paramref name="index"/> (row-major) of a tile.</summary>
    public (byte Red, byte Green, byte Blue) Get(int tile, int index)
    {
        int p = Offset(tile, index);
        return (pixels[p + 2], pixels[p + 1], pixels[p]);
    }

    /// <summary>Sets pixel <paramref name="index"/> (row-major) of a tile.</summary>
    public void Set(int tile, int index, byte red, byte green, byte blue)
    {
        int p = Offset(tile, index);
        (pixels[p], pixels[p + 1], pixels[p + 2]) = (blue, green, red);
    }

    /// <summary>Writes the grid as PNG.</summary>
    void Save(string path)
    {
        using var image = MLImage.CreateFromPixels(gridWidth, gridHeight, MLPixelFormat.Bgra32, pixels);
        AtomicFile.WriteVia(path, image.Save);
    }

    /// <summary>The pixels of a mask that have a 4-neighbour outside it (or lie on the image border).</summary>
    public bool[] Contour(bool[] mask)
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

    int Offset(int tile, int index)
    {
        int originX = tile % columns * (width + Gap), originY = tile / columns * (height + Gap);
        return ((originY + index / width) * gridWidth + originX + index % width) * 4;
    }
}
