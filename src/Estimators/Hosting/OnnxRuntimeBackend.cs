using Microsoft.ML.OnnxRuntime;
using MLNet.UNet.Runtime;

namespace MLNet.UNet.Hosting;

/// <summary>
/// ONNX Runtime's native library, which scores every fitted UNetSegment and Threshold. The library references ONNX
/// Runtime's managed API only; the application adds Microsoft.ML.OnnxRuntime (CPU) or Microsoft.ML.OnnxRuntime.Gpu
/// (CUDA, and the CPU).
/// </summary>
public static class OnnxRuntimeBackend
{
    /// <summary>The ONNX Runtime version this library is built and tested with.</summary>
    public const string Version = "1.31.0";

    /// <summary>
    /// Loads ONNX Runtime's native library if it is not loaded yet. Throws <see cref="NativeBackendNotFoundException"/>
    /// naming the package to add when it cannot be loaded.
    /// </summary>
    public static void EnsureLoaded()
    {
        try
        {
            _ = OrtEnv.Instance();
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException)
        {
            var reported = (e is TypeInitializationException { InnerException: { } inner } ? inner : e).Message.Split('\n', 2)[0].Trim();
            throw new NativeBackendNotFoundException("ONNX Runtime", "Microsoft.ML.OnnxRuntime",
                "ONNX Runtime's native library could not be loaded, and scoring needs it. Add it to the application: " +
                $"'dotnet add package Microsoft.ML.OnnxRuntime --version {Version}' for the CPU, or Microsoft.ML.OnnxRuntime.Gpu " +
                $"(which also runs on the CPU; never both). ONNX Runtime reported: {reported}", e);
        }
    }
}
