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
    /// Maps the network's probabilities (size x size) onto the input's grid bilinearly and thresholds them there, as
    /// <c>unet predict</c> and <c>unet evaluate</c> do.
    /// </summary>
    public static ImageSegmentation From(float[] probabilities, int size, float threshold, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (probabilities.Length != size * size)
            throw new ArgumentException($"The model gave {probabilities.Length} probabilities; expected {size} x {size}.", nameof(probabilities));
        var onGrid = SliceResampler.Bilinear(probabilities, size, size, height, width);
        var mask = Array.ConvertAll(onGrid, p => p > threshold ? (byte)255 : (byte)0);
        var probability = Array.ConvertAll(onGrid, p => (byte)Math.Clamp(MathF.Round(p * 255f), 0, 255));
        int foreground = mask.Count(v => v != 0);
        return new ImageSegmentation(width, height, threshold, mask, probability, (double)foreground / mask.Length,
            probabilities.Min(), probabilities.Average(), probabilities.Max());
    }
}
