using System.Text.Json;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Cli.Tests;

/// <summary>What the tool's volume tests write and read back: small volumes of a bright ball, and fields of the tool's reports.</summary>
internal static class ToolTestFiles
{
    /// <summary>Writes a patient as the tool reads a --volumes folder: image_ID.nii.gz and its uint8 label_ID.nii.gz.</summary>
    public static void WritePatient(string folder, string id, Volume image, Volume label)
    {
        NiftiWriter.Write(Path.Combine(folder, $"image_{id}.nii.gz"), image);
        NiftiWriter.Write(Path.Combine(folder, $"label_{id}.nii.gz"), label, NiftiDataType.UInt8);
    }

    /// <summary>A bright ball (the organ, label 1) in a dim, slightly noisy background; with <paramref name="spleen"/>, a dimmer block labelled 4 in a corner.</summary>
    public static (Volume Image, Volume Label) Ball(int width, int height, int depth, int radius, bool spleen = false)
    {
        var random = new Random(radius);
        var image = new float[width * height * depth];
        var label = new float[image.Length];
        for (int z = 0; z < depth; z++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int i = (z * height + y) * width + x;
                    double dz = (z - depth / 2.0) * 3, dy = y - height / 2.0, dx = x - width / 2.0;
                    bool inside = dx * dx + dy * dy + dz * dz <= radius * radius;
                    bool inSpleen = spleen && !inside && x >= width - 8 && y < 10;
                    label[i] = inside ? 1 : inSpleen ? 4 : 0;
                    image[i] = (inside ? 200 : inSpleen ? 120 : 50) + (float)random.NextDouble() * 20;
                }
        return (new Volume(image, width, height, depth, 1.5, 1.5, 6), new Volume(label, width, height, depth, 1.5, 1.5, 6));
    }

    /// <summary>Each case's mean confidence in predictions.json, as written ("NaN" for an empty mask, which would make two runs look alike).</summary>
    public static List<string> MeanConfidences(string predictionFolder)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(predictionFolder, "predictions.json")));
        return [.. json.RootElement.EnumerateArray().Select(c => c.GetProperty("MeanConfidence").GetRawText())];
    }

    /// <summary>The patients of an evaluation or cross-validation report.</summary>
    public static List<string> Patients(string reportPath)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(reportPath));
        return json.RootElement.GetProperty("Patients").EnumerateArray().Select(p => p.GetProperty("PatientId").GetString()!).ToList();
    }
}
