using Microsoft.ML;

namespace MLNet.UNet.ArgMax;

/// <summary>Turns class probabilities into a class index per pixel with a tiny ONNX graph scored by ML.NET's OnnxTransformer.</summary>
public sealed class ArgMaxTransformer : OnnxBackedTransformer
{
    internal ArgMaxTransformer(MLContext context, IDataView input, byte[] onnxModel, ArgMaxOptions options, int classes)
        : base(context, input, onnxModel, options.OutputColumnName, options.InputColumnName)
    {
        Options = options;
        Classes = classes;
    }

    /// <summary>The options used.</summary>
    public ArgMaxOptions Options { get; }

    /// <summary>The number of classes the probabilities hold (the indices written are 0..Classes-1).</summary>
    public int Classes { get; }
}
