namespace MLNet.UNet.Export;

/// <summary>How <see cref="OnnxExporter"/> writes a U-Net as an ONNX model.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>Name of the graph input (ML.NET matches it to the input column name).</summary>
    public string InputName { get; set; } = "input";

    /// <summary>Name of the graph output (ML.NET matches it to the output column name).</summary>
    public string OutputName { get; set; } = "output";

    /// <summary>ai.onnx opset; 17 or newer (ONNX Runtime 1.31 reads up to 26).</summary>
    public int Opset { get; set; } = 17;

    /// <summary>Fixed batch size, or null for a symbolic batch dimension named "N".</summary>
    public long? BatchSize { get; set; }

    /// <summary>Fixed input height, or null for a symbolic dimension named "H".</summary>
    public long? Height { get; set; }

    /// <summary>Fixed input width, or null for a symbolic dimension named "W".</summary>
    public long? Width { get; set; }

    /// <summary>Fold batch norm into the preceding convolution (faster) instead of emitting BatchNormalization nodes.</summary>
    public bool FoldBatchNorm { get; set; } = true;

    /// <summary>End the graph with the sigmoid or softmax (probabilities); false leaves logits.</summary>
    public bool IncludeActivation { get; set; } = true;

    /// <summary>Key/value pairs stored in the model's metadata_props.</summary>
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();

    internal void Validate(long sizeMultiple)
    {
        if (string.IsNullOrWhiteSpace(InputName) || string.IsNullOrWhiteSpace(OutputName))
            throw new ArgumentException("OnnxExportOptions.InputName and OutputName must not be empty.");
        if (InputName == OutputName)
            throw new ArgumentException($"OnnxExportOptions.InputName and OutputName are both '{InputName}'; they must differ.");
        if (Opset < 17 || Opset > 26)
            throw new ArgumentException($"OnnxExportOptions.Opset must be between 17 and 26, got {Opset}.");
        if (BatchSize is < 1)
            throw new ArgumentException($"OnnxExportOptions.BatchSize must be at least 1 or null, got {BatchSize}.");
        foreach (var (name, value) in new[] { ("Height", Height), ("Width", Width) })
            if (value is { } size && (size < 1 || size % sizeMultiple != 0))
                throw new ArgumentException(
                    $"OnnxExportOptions.{name} must be a positive multiple of 2^Depth = {sizeMultiple} or null, got {size}.");
    }
}
