using Microsoft.ML;

namespace MLNet.UNet.Threshold;

/// <summary>Turns probabilities into a binary mask with a tiny ONNX graph scored by ML.NET's OnnxTransformer.</summary>
public sealed class ThresholdTransformer : OnnxBackedTransformer
{
    internal ThresholdTransformer(MLContext context, IDataView input, byte[] onnxModel, ThresholdOptions options)
        : base(context, input, onnxModel, options.OutputColumnName, options.InputColumnName)
    {
        Options = options;
    }

    /// <summary>The options used.</summary>
    public ThresholdOptions Options { get; }

    /// <summary>The threshold applied.</summary>
    public float Threshold => Options.Threshold;

    /// <summary>
    /// The threshold that a fitted pipeline applies to <paramref name="probabilityColumnName"/>, so that code scoring its
    /// probabilities by other means thresholds them as the pipeline does; null when it has no
    /// <see cref="ThresholdTransformer"/> on that column. A pipeline loaded from a zip has none (it holds the threshold as
    /// an ONNX graph): read it with <see cref="SavedModelThreshold.Read"/>.
    /// </summary>
    public static float? FindIn(ITransformer model, string probabilityColumnName = "Probability")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(probabilityColumnName);
        return (model as IEnumerable<ITransformer> ?? [model]).OfType<ThresholdTransformer>()
            .FirstOrDefault(t => t.Options.InputColumnName == probabilityColumnName)?.Threshold;
    }
}
