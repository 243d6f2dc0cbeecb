using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet;

/// <summary>
/// A transformer whose work is done by ML.NET's own OnnxTransformer, made from an ONNX model held in memory.
/// Saving delegates to that inner transformer, so a saved pipeline holds a standard OnnxTransformer with the
/// model embedded and loads wherever ML.NET and ONNX Runtime do, without this assembly (what comes back from
/// <c>Model.Load</c> is the OnnxTransformer, not this type).
/// </summary>
public abstract class OnnxBackedTransformer : ITransformer, IDisposable
{
    readonly ITransformer inner;
    readonly byte[] onnxModel;

    private protected OnnxBackedTransformer(ITransformer inner, byte[] onnxModel)
    {
        this.inner = inner;
        this.onnxModel = onnxModel;
    }

    /// <summary>A copy of the ONNX model this transformer scores with.</summary>
    public byte[] GetOnnxModel() => (byte[])onnxModel.Clone();

    /// <summary>Writes the ONNX model to <paramref name="path"/> (a temporary file, then a rename).</summary>
    public void SaveOnnx(string path) => AtomicFile.Write(path, stream => stream.Write(onnxModel));

    /// <inheritdoc />
    public bool IsRowToRowMapper => inner.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inner.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => inner.GetRowToRowMapper(inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => inner.Transform(input);

    /// <summary>Saves the inner OnnxTransformer, with the ONNX model embedded.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => inner.Save(ctx);

    /// <inheritdoc />
    public void Dispose()
    {
        (inner as IDisposable)?.Dispose();
        GC.SuppressFinalize(this);
    }
}
