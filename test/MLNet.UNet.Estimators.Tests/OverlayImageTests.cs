using Microsoft.ML.Data;
using MLNet.UNet.Visualization;

namespace MLNet.UNet.Estimators.Tests;

/// <summary>The overlays' pixels, read back from the PNG files they write.</summary>
public sealed class OverlayImageTests : IDisposable
{
    const int Size = 8;
    readonly string folder = Directory.CreateTempSubdirectory("unet-overlay-").FullName;

    static float[] Block(int value, int from, int to) =>
        [.. Enumerable.Range(0, Size * Size).Select(i => i % Size is var x && i / Size is var y && x >= from && x <= to && y >= from && y <= to ? value : 0f)];

    [Fact]
    public void PredictedClassesAreFilledInTheirColourAndTrueClassesOutlined()
    {
        var image = Enumerable.Range(0, Size * Size).Select(i => (float)(i % 2)).ToArray(); // black and white columns
        var path = Path.Combine(folder, "classes.png");

        ClassOverlayImage.Write(path, [new ClassOverlayTile(image, Truth: Block(1, 1, 3), Predicted: Block(2, 4, 6))], Size, Size);

        var pixels = Pixels(path);
        var green = ClassOverlayImage.Palette[1];
        // Inside the predicted class 2 block (x 5 is a white column): 60% white + 40% green.
        Assert.Equal(((byte)(0.6 * 255 + 0.4 * green.Red), (byte)(0.6 * 255 + 0.4 * green.Green), (byte)(0.6 * 255 + 0.4 * green.Blue)), pixels[5 * Size + 5]);
        // On the true class 1 block's border: class 1's colour; inside it: the image alone.
        Assert.Equal(ClassOverlayImage.Palette[0], pixels[1 * Size + 2]);
        Assert.Equal(((byte)0, (byte)0, (byte)0), pixels[2 * Size + 2]);
        Assert.Equal(((byte)255, (byte)255, (byte)255), pixels[0 * Size + 7]);
        Assert.Equal("green", ClassOverlayImage.ColourName(2));

        var error = Assert.Throws<ArgumentException>(() => ClassOverlayImage.Write(path, [new ClassOverlayTile(image, null, Block(1, 0, 0).Select(v => v / 2).ToArray())], Size, Size));
        Assert.Contains("Predicted holds 0.5, expected class indices", error.Message);
        Assert.Contains("has 3 values, expected 8 x 8", Assert.Throws<ArgumentException>(() => ClassOverlayImage.Write(path, [new ClassOverlayTile(image, [1, 2, 3], null)], Size, Size)).Message);
    }

    [Fact]
    public void BinaryOverlayDrawsTruthGreenPredictionRedAndBothYellow()
    {
        var image = new float[Size * Size];
        var path = Path.Combine(folder, "binary.png");

        OverlayImage.Write(path, [new OverlayTile(image, Truth: Block(1, 1, 3), Predicted: Block(1, 1, 5))], Size, Size);

        var pixels = Pixels(path);
        Assert.Equal(((byte)255, (byte)255, (byte)0), pixels[1 * Size + 1]); // both contours
        Assert.Equal(((byte)0, (byte)255, (byte)0), pixels[3 * Size + 2]);   // the truth's border, inside the prediction
        Assert.Equal(((byte)255, (byte)0, (byte)0), pixels[5 * Size + 3]);   // the prediction's border alone
        Assert.Equal(((byte)0, (byte)0, (byte)0), pixels[7 * Size + 7]);
    }

    static (byte Red, byte Green, byte Blue)[] Pixels(string path)
    {
        using var image = MLImage.CreateFromFile(path);
        Assert.Equal((Size, Size, MLPixelFormat.Bgra32), (image.Width, image.Height, image.PixelFormat));
        var bytes = image.Pixels.ToArray();
        return [.. Enumerable.Range(0, Size * Size).Select(i => (bytes[i * 4 + 2], bytes[i * 4 + 1], bytes[i * 4]))];
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
