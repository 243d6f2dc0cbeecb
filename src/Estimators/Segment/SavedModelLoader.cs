using Microsoft.ML;

namespace MLNet.UNet.Segment;

/// <summary>
/// <c>MLContext.Model.Load</c>, proof against a fault of ML.NET's ONNX loader. Microsoft.ML.OnnxTransformer 5.0.1
/// writes each embedded ONNX model to a temporary file named by <see cref="Path.GetRandomFileName"/>, whose random
/// three-letter extension is ".ort" once in 32,768 loads; ONNX Runtime then reads the file as its own ORT format and
/// fails with "ORT model verification failed" (dotnet/machinelearning#7339). A load that fails so is tried again,
/// under a new random name; any other failure is thrown at once.
/// </summary>
public static class SavedModelLoader
{
    const int Attempts = 3;
    const string RandomOrtNameFault = "ORT model verification failed";

    /// <summary>Loads the model zip at <paramref name="path"/> as <c>context.Model.Load</c> does.</summary>
    /// <param name="context">The context to load with.</param>
    /// <param name="path">The model zip.</param>
    /// <param name="inputSchema">The input schema saved with the model.</param>
    public static ITransformer Load(MLContext context, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(context);
        DataViewSchema? schema = null;
        var model = Retrying(() => context.Model.Load(path, out schema));
        inputSchema = schema!;
        return model;
    }

    /// <summary>Runs <paramref name="load"/>, again while it fails with the random ".ort" name fault, at most three times in all.</summary>
    internal static T Retrying<T>(Func<T> load)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return load();
            }
            catch (Exception e) when (attempt < Attempts && IsRandomOrtNameFault(e))
            {
                // The next load writes the model under another random name.
            }
        }
    }

    /// <summary>True when the failure, or one inside it, is ONNX Runtime refusing the model file as an ORT-format model.</summary>
    internal static bool IsRandomOrtNameFault(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
            if (e.Message.Contains(RandomOrtNameFault, StringComparison.Ordinal))
                return true;
        return false;
    }
}
