using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Visualization;

namespace MLNet.UNet.Serving.Segmentation;

/// <summary>One organ of a <see cref="VolumePreview"/> of a model of several organs.</summary>
/// <param name="Name">The organ's name.</param>
/// <param name="Value">Its label value in the NIfTI label map.</param>
/// <param name="Class">Its value in the preview's mask (1, 2, ... in the model's class order).</param>
/// <param name="Colour">Its overlay colour as <c>#rrggbb</c>, the colour the library's class overlays give it.</param>
/// <param name="Voxels">Its voxels in the (post-processed) mask.</param>
/// <param name="VolumeMl">Its volume in millilitres.</param>
/// <param name="MeanConfidence">Its mean probability inside its mask; null when it is empty.</param>
public sealed record OrganPreview(string Name, int Value, int Class, string Colour, int Voxels, double VolumeMl, double? MeanConfidence);

/// <summary>
/// The JSON answer of <c>POST /segment-volume</c> for the page: the volume and its mask as bytes per voxel
/// (x fastest, then y, then z), so that the page draws any slice without another request.
/// </summary>
/// <param name="Model">The model that answered.</param>
/// <param name="SizeX">Voxels along x.</param>
/// <param name="SizeY">Voxels along y.</param>
/// <param name="SizeZ">Slices.</param>
/// <param name="Spacing">Voxel size in mm along x, y, z.</param>
/// <param name="ForegroundVoxels">Voxels in the (post-processed) mask; for several organs, in any organ.</param>
/// <param name="VolumeMl">The mask's volume in millilitres; for several organs, all of them together.</param>
/// <param name="MeanConfidence">The mean probability inside the mask; null when the mask is empty, and for several organs (see <paramref name="Organs"/>).</param>
/// <param name="Warnings">Why the mask is implausible against the model's record; empty when it is not.</param>
/// <param name="Image">The volume windowed to its 1st..99th percentile as 0..255, base64.</param>
/// <param name="Mask">The mask, base64: 0 or 1 per voxel for one organ; for several, 0 or the organ's <see cref="OrganPreview.Class"/>.</param>
/// <param name="Organs">Each organ of a model of several organs, in class order; null for a model of one.</param>
public sealed record VolumePreview(string Model, int SizeX, int SizeY, int SizeZ, double[] Spacing, int ForegroundVoxels,
    double VolumeMl, double? MeanConfidence, IReadOnlyList<string> Warnings, string Image, string Mask, IReadOnlyList<OrganPreview>? Organs = null)
{
    /// <summary>The preview of a segmentation of one organ.</summary>
    public static VolumePreview Of(string model, VolumeSegmentation segmentation)
    {
        var mask = Array.ConvertAll(segmentation.Mask.Voxels, v => v ? (byte)1 : (byte)0);
        return Of(model, segmentation.Image, mask, segmentation.Statistics.VolumeMl, Confidence(segmentation.Statistics), segmentation.Warnings, null);
    }

    /// <summary>The preview of a segmentation of several organs.</summary>
    /// <param name="model">The model that answered.</param>
    /// <param name="segmentation">The segmentation.</param>
    /// <param name="organs">The model's organs, in class order.</param>
    public static VolumePreview Of(string model, OrganSegmentation segmentation, OrganLabels organs)
    {
        ArgumentNullException.ThrowIfNull(segmentation);
        ArgumentNullException.ThrowIfNull(organs);
        var mask = Array.ConvertAll(segmentation.Classes, c => (byte)c);
        var previews = organs.Organs.Select((organ, i) =>
        {
            var statistics = segmentation.Statistics[i];
            var (red, green, blue) = ClassOverlayImage.Palette[i % ClassOverlayImage.Palette.Count];
            return new OrganPreview(organ.Name, organ.Value, i + 1, $"#{red:x2}{green:x2}{blue:x2}", mask.Count(c => c == i + 1),
                statistics.VolumeMl, Confidence(statistics));
        }).ToList();
        return Of(model, segmentation.Image, mask, previews.Sum(o => o.VolumeMl), null, segmentation.Warnings, previews);
    }

    static VolumePreview Of(string model, Volume image, byte[] mask, double volumeMl, double? confidence, IReadOnlyList<string> warnings,
        IReadOnlyList<OrganPreview>? organs)
    {
        var (low, high) = Window(image.Data);
        float scale = high > low ? 255f / (high - low) : 0;
        var gray = Array.ConvertAll(image.Data, v => (byte)Math.Clamp(MathF.Round((v - low) * scale), 0, 255));
        return new VolumePreview(model, image.SizeX, image.SizeY, image.SizeZ, [image.SpacingX, image.SpacingY, image.SpacingZ],
            mask.Count(v => v != 0), volumeMl, confidence, warnings, Convert.ToBase64String(gray), Convert.ToBase64String(mask), organs);
    }

    static double? Confidence(OrganStatistics statistics) => double.IsNaN(statistics.MeanConfidence) ? null : statistics.MeanConfidence;

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
