using MLNet.UNet.Medical.Inference;

namespace MLNet.UNet.Serving.Segmentation;

/// <summary>
/// The JSON answer of <c>POST /segment-volume</c> for the page: the volume and its mask as bytes per voxel
/// (x fastest, then y, then z), so that the page draws any slice without another request.
/// </summary>
/// <param name="Model">The model that answered.</param>
/// <param name="SizeX">Voxels along x.</param>
/// <param name="SizeY">Voxels along y.</param>
/// <param name="SizeZ">Slices.</param>
/// <param name="Spacing">Voxel size in mm along x, y, z.</param>
/// <param name="ForegroundVoxels">Voxels in the (post-processed) mask.</param>
/// <param name="VolumeMl">The mask's volume in millilitres.</param>
/// <param name="MeanConfidence">The mean probability inside the mask; null when the mask is empty.</param>
/// <param name="Warnings">Why the mask is implausible against the model's record; empty when it is not.</param>
/// <param name="Image">The volume windowed to its 1st..99th percentile as 0..255, base64.</param>
/// <param name="Mask">The mask, 0 or 1 per voxel, base64.</param>
public sealed record VolumePreview(string Model, int SizeX, int SizeY, int SizeZ, double[] Spacing, int ForegroundVoxels,
    double VolumeMl, double? MeanConfidence, IReadOnlyList<string> Warnings, string Image, string Mask)
{
    /// <summary>The preview of a segmentation.</summary>
    public static VolumePreview Of(string model, VolumeSegmentation segmentation)
    {
        var image = segmentation.Image;
        var (low, high) = Window(image.Data);
        float scale = high > low ? 255f / (high - low) : 0;
        var gray = Array.ConvertAll(image.Data, v => (byte)Math.Clamp(MathF.Round((v - low) * scale), 0, 255));
        var mask = Array.ConvertAll(segmentation.Mask.Voxels, v => v ? (byte)1 : (byte)0);
        return new VolumePreview(model, image.SizeX, image.SizeY, image.SizeZ, [image.SpacingX, image.SpacingY, image.SpacingZ],
            segmentation.Mask.Voxels.Count(v => v), segmentation.Statistics.VolumeMl,
            double.IsNaN(segmentation.Statistics.MeanConfidence) ? null : segmentation.Statistics.MeanConfidence,
            segmentation.Warnings, Convert.ToBase64String(gray), Convert.ToBase64String(mask));
    }

    /// <summary>The 1st and 99th percentiles, from a sample of at most 100,000 voxels: MRI intensities have long tails.</summary>
    static (float Low, float High) Window(float[] data)
    {
        int step = Math.Max(1, data.Length / 100_000);
        var sample = new List<float>(data.Length / step + 1);
        for (int i = 0; i < data.Length; i += step)
            if (float.IsFinite(data[i]))
                sample.Add(data[i]);
        if (sample.Count == 0)
            return (0, 0);
        sample.Sort();
        return (sample[(int)(0.01 * (sample.Count - 1))], sample[(int)(0.99 * (sample.Count - 1))]);
    }
}
