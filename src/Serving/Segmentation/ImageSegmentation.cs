using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Serving.Segmentation;

/// <summary>A segmented image, at the input image's own size.</summary>
/// <param name="Width">The input's width.</param>
/// <param name="Height">The input's height.</param>
/// <param name="Threshold">Foreground above this probability.</param>
/// <param name="Mask">0 or 255 per pixel (row-major).</param>
/// <param name="Probability">The foreground probability per pixel, scaled to 0..255.</param>
/// <param name="ForegroundFraction">The fraction of the mask's pixels that are foreground.</param>
/// <param name="MinimumProbability">The lowest probability the network gave.</param>
/// <param name="MeanProbability">The mean probability the network gave.</param>
/// <param name="MaximumProbability">The highest probability the network gave.</param>
public sealed record ImageSegmentation(int Width, int Height, float Threshold, byte[] Mask, byte[] Probability, double ForegroundFraction,
    float MinimumProbability, float MeanProbability, float MaximumProbability)
{
    /// <summary>
    /// Thresholds the network's probabilities (size x size) and maps them onto the input's grid: the mask by nearest
    /// neighbour, as <c>unet predict</c> does, the probabilities bilinearly.
    /// </summary>
    public static ImageSegmentation From(float[] probabilities, int size, float threshold, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (probabilities.Length != size * size)
            throw new ArgumentException($"The model gave {probabilities.Length} probabilities; expected {size} x {size}.", nameof(probabilities));
        var networkMask = Array.ConvertAll(probabilities, p => p > threshold ? 1f : 0f);
        var mask = Array.ConvertAll(SliceResampler.Nearest(networkMask, size, size, height, width), v => v > 0.5f ? (byte)255 : (byte)0);
        var probability = Array.ConvertAll(SliceResampler.Bilinear(probabilities, size, size, height, width),
            p => (byte)Math.Clamp(MathF.Round(p * 255f), 0, 255));
        int foreground = mask.Count(v => v != 0);
        return new ImageSegmentation(width, height, threshold, mask, probability, (double)foreground / mask.Length,
            probabilities.Min(), probabilities.Average(), probabilities.Max());
    }
}
