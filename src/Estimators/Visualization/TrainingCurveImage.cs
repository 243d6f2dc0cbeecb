using MLNet.UNet.Training;
using SkiaSharp;

namespace MLNet.UNet.Visualization;

/// <summary>
/// Draws training loss and validation Dice per epoch as a PNG line chart with SkiaSharp (the graphics library
/// ML.NET's image components already use). ScottPlot 5 was tried and dropped: it needs SkiaSharp 3, which makes
/// ML.NET 5's image loading fail in the same process (MissingMethodException: SKBitmap.GetPixelSpan).
/// </summary>
public static class TrainingCurveImage
{
    /// <summary>Writes the chart to <paramref name="path"/> (a temporary file, then a rename).</summary>
    public static void Write(string path, IReadOnlyList<EpochSummary> history, string title = "U-Net training", int width = 900, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
            throw new ArgumentException("There is no training history to plot.", nameof(history));
        const float left = 70, right = 70, top = 40, bottom = 50;
        float plotWidth = width - left - right, plotHeight = height - top - bottom;
        double maxLoss = Math.Max(history.Max(e => e.TrainingLoss), 1e-9);
        int firstEpoch = history[0].Epoch, lastEpoch = Math.Max(history[^1].Epoch, firstEpoch + 1);
        float X(int epoch) => left + plotWidth * (epoch - firstEpoch) / (lastEpoch - firstEpoch);
        float Y(double fraction) => top + plotHeight * (float)(1 - fraction);

        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var grid = new SKPaint { Color = SKColors.LightGray, StrokeWidth = 1, IsAntialias = true };
        using var frame = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 14, IsAntialias = true };
        using var lossPaint = new SKPaint { Color = new SKColor(31, 119, 180), StrokeWidth = 2.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var dicePaint = new SKPaint { Color = new SKColor(214, 39, 40), StrokeWidth = 2.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var lossText = new SKPaint { Color = lossPaint.Color, TextSize = 14, IsAntialias = true };
        using var diceText = new SKPaint { Color = dicePaint.Color, TextSize = 14, IsAntialias = true };

        for (int tick = 0; tick <= 4; tick++)
        {
            float y = Y(tick / 4.0);
            canvas.DrawLine(left, y, left + plotWidth, y, grid);
            canvas.DrawText((maxLoss * tick / 4).ToString("G3"), 8, y + 5, lossText);
            canvas.DrawText((tick / 4.0).ToString("F2"), left + plotWidth + 8, y + 5, diceText);
        }
        canvas.DrawRect(left, top, plotWidth, plotHeight, frame);
        canvas.DrawText(title, left, top - 14, text);
        canvas.DrawText("epoch", left + plotWidth / 2 - 20, height - 12, text);
        canvas.DrawText($"{firstEpoch}", left - 4, top + plotHeight + 20, text);
        canvas.DrawText($"{history[^1].Epoch}", X(history[^1].Epoch) - 8, top + plotHeight + 20, text);
        canvas.DrawText("training loss (left axis)", left + 10, top + 20, lossText);
        canvas.DrawText("validation Dice (right axis)", left + 10, top + 40, diceText);

        DrawSeries(canvas, lossPaint, history.Select(e => (X(e.Epoch), Y(e.TrainingLoss / maxLoss))));
        DrawSeries(canvas, dicePaint, history.Where(e => e.ValidationDice is not null).Select(e => (X(e.Epoch), Y(e.ValidationDice!.Value))));

        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, stream => png.SaveTo(stream));
    }

    static void DrawSeries(SKCanvas canvas, SKPaint paint, IEnumerable<(float X, float Y)> points)
    {
        using var path = new SKPath();
        bool first = true;
        foreach (var (x, y) in points)
        {
            if (first) path.MoveTo(x, y); else path.LineTo(x, y);
            canvas.DrawCircle(x, y, 2.5f, paint);
            first = false;
        }
        canvas.DrawPath(path, paint);
    }
}
