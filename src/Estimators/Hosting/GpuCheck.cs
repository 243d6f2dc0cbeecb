using Microsoft.ML.OnnxRuntime;

namespace MLNet.UNet.Hosting;

/// <summary>Finds out before training, not after, whether ONNX Runtime can score on the requested GPU.</summary>
internal static class GpuCheck
{
    /// <summary>True when ONNX Runtime's CUDA provider can be made for <paramref name="deviceId"/>; otherwise why not.</summary>
    public static bool IsAvailable(int deviceId, out string reason)
    {
        OnnxRuntimeBackend.EnsureLoaded();
        try
        {
            using var options = SessionOptions.MakeSessionOptionWithCudaProvider(deviceId);
            reason = "";
            return true;
        }
        catch (OnnxRuntimeException e)
        {
            reason = e.Message.Trim();
            return false;
        }
    }

    public static void EnsureAvailable(int deviceId)
    {
        if (!IsAvailable(deviceId, out var reason))
            throw new InvalidOperationException(
                $"GpuDeviceId {deviceId} was asked with FallbackToCpu = false, but ONNX Runtime's CUDA provider cannot be used here " +
                $"({reason}). ONNX Runtime 1.31 needs CUDA 13 and cuDNN; set FallbackToCpu = true to score on the CPU.");
    }
}
