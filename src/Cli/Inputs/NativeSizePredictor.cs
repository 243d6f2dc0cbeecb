using Microsoft.ML;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Threshold;

namespace MLNet.UNet.Cli.Inputs;

/// <summary>A prediction on an image's own grid: the probabilities and the mask, height x width, row-major.</summary>
internal sealed record NativeSizePrediction(int Height, int Width, float[] Probabilities, bool[] Mask);

/// <summary>
/// Scores image files with an image model and brings the probabilities back to each image's own size (bilinear), then
/// thresholds them there: what <c>predict</c> writes and <c>evaluate</c> scores against the mask as it was drawn. A model
/// that scores in a sliding window at the image's size needs no resize at all.
/// </summary>
internal sealed class NativeSizePredictor : IDisposable
{
    readonly PredictionEngine<ImageRow, ModelOutput> engine;
    readonly int size;
    readonly float threshold;

    public NativeSizePredictor(MLContext context, ITransformer model, ModelKind kind)
    {
        engine = context.Model.CreatePredictionEngine<ImageRow, ModelOutput>(model);
        size = kind.Size;
        // The zip's own threshold, as its PredictedMask column applies it; the component's default for a model without one.
        threshold = kind.Threshold ?? new ThresholdOptions().Threshold;
    }


    public NativeSizePrediction Predict(string path)
    {
        int width, height;
        using (var image = ImagePairs.Open(path))
            (width, height) = (image.Width, image.Height);
        var output = engine.Predict(new ImageRow { ImagePath = path });
        var probabilities = SliceResampler.Bilinear(output.Probability, size, size, height, width);
        return new NativeSizePrediction(height, width, probabilities, Array.ConvertAll(probabilities, p => p > threshold));
    }

    /// <summary>A mask file's foreground (any value above 0 in its first channel), height x width.</summary>
    public static bool[] ReadMask(string path)
    {
        using var mask = ImagePairs.Open(path);
        var pixels = mask.Pixels;
        int step = mask.BitsPerPixel / 8;
        var foreground = new bool[mask.Width * mask.Height];
        for (int i = 0; i < foreground.Length; i++)
            foreground[i] = pixels[i * step] != 0;
        return foreground;
    }

    /// <summary>An image file's brightness, 0..255, height x width (the mean of its colour channels, whatever their order): what an overlay is drawn on.</summary>
    public static float[] ReadBrightness(string path)
    {
        using var image = ImagePairs.Open(path);
        var pixels = image.Pixels;
        int step = image.BitsPerPixel / 8, colours = Math.Min(step, 3);
        var values = new float[image.Width * image.Height];
        for (int i = 0; i < values.Length; i++)
        {
            int sum = 0;
            for (int c = 0; c < colours; c++)
                sum += pixels[i * step + c];
            values[i] = sum / (float)colours;
        }
        return values;
    }

    public void Dispose() => engine.Dispose();

    sealed class ModelOutput
    {
        public float[] Probability { get; set; } = [];
    }
}
