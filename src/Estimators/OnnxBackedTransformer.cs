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
    readonly string modelFile;

    /// <summary>
    /// Fits ML.NET's OnnxTransformer for <paramref name="onnxModel"/> to <paramref name="input"/>'s schema. It scores
    /// from a file in the context's <see cref="MLContext.TempFilePath"/> (made if missing) that this transformer owns and deletes when
    /// disposed: ML.NET's own overload for a model in memory (a Stream) copies it to a temporary file that nothing
    /// ever deletes (Microsoft.ML.OnnxTransformer 5.0.1).
    /// </summary>
    private protected OnnxBackedTransformer(MLContext context, IDataView input, byte[] onnxModel, string outputColumnName,
        string inputColumnName, int? gpuDeviceId = null, bool fallbackToCpu = false)
    {
        modelFile = Path.Combine(context.TempFilePath, $"mlnet-unet-model-{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(context.TempFilePath);
            File.WriteAllBytes(modelFile, onnxModel);
            Hosting.OnnxRuntimeBackend.EnsureLoaded();
            inner = context.Transforms.ApplyOnnxModel(outputColumnName, inputColumnName, modelFile, gpuDeviceId, fallbackToCpu).Fit(input);
        }
        catch
        {
            // If Fit refused the schema, ML.NET's estimator still holds a session on the file, which it gives no way to
            // dispose; the file goes at least where the system lets it, and the first error is the one reported.
            TryDelete(modelFile);
            throw;
        }
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
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        inner.Save(ctx);
        // The inner transformer reads the model file again while it saves; this object's finalizer must not delete it meanwhile.
        GC.KeepAlive(this);
    }

    /// <summary>Releases the ONNX Runtime session, then deletes the model file it scored from.</summary>
    public void Dispose()
    {
        (inner as IDisposable)?.Dispose();
        TryDelete(modelFile);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Deletes the model file of a transformer that was never disposed, once it is collected. Nothing needs the file by
    /// then: ML.NET's OnnxTransformer reads it again only to save, and saving keeps this object alive. On Windows the
    /// file is usually still open by ML.NET at that moment and stays.
    /// </summary>
    ~OnnxBackedTransformer()
    {
        // Null when the constructor failed before naming the file.
        if (modelFile is not null)
            TryDelete(modelFile);
    }

    // A file that cannot be deleted is only disk space in the temporary folder; it must not hide an error or make Dispose throw.
    static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
