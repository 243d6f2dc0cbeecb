using System.Globalization;
using MLNet.UNet.Segment;

namespace MLNet.UNet.Threshold;

/// <summary>
/// The threshold stored in a model zip. A loaded zip holds the threshold as an ONNX Runtime graph, no longer as a
/// <see cref="ThresholdTransformer"/>, so code that scores the probabilities by other means (on a volume's grid, at an
/// image's own size) reads it from the zip to threshold them as the pipeline does.
/// </summary>
public static class SavedModelThreshold
{
    /// <summary>The metadata key the threshold's ONNX graph carries its value in.</summary>
    public const string MetadataKey = "mlnet.unet.threshold";

    // A threshold graph is a few hundred bytes; the networks beside it, tens of megabytes, are not read.
    const long MaxGraphBytes = 1 << 20;

    /// <summary>The threshold the zip's pipeline applies to <paramref name="probabilityColumnName"/>; null when it applies none.</summary>
    /// <exception cref="FileNotFoundException">The zip does not exist.</exception>
    public static float? Read(string zip, string probabilityColumnName = "Probability")
    {
        ArgumentNullException.ThrowIfNull(probabilityColumnName);
        foreach (var model in SavedModelNetwork.ReadOnnxModels(zip, MaxGraphBytes))
            if (model.MetadataProps.FirstOrDefault(p => p.Key == MetadataKey) is { } stored &&
                model.Graph.Input.Count == 1 && model.Graph.Input[0].Name == probabilityColumnName &&
                float.TryParse(stored.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out float threshold))
                return threshold;
        return null;
    }
}
