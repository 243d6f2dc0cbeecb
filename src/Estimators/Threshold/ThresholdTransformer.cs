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
}
