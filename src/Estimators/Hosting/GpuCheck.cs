using Microsoft.ML.OnnxRuntime;

namespace MLNet.UNet.Hosting;

/// <summary>Finds out before training, not after, whether ONNX Runtime can score on the requested GPU.</summary>
internal static class GpuCheck
{
    public static void EnsureAvailable(int deviceId)
    {
        try
        {
            using var options = SessionOptions.MakeSessionOptionWithCudaProvider(deviceId);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException(
                $"GpuDeviceId {deviceId} was asked with FallbackToCpu = false, but ONNX Runtime's CUDA provider cannot be used here " +
                $"({e.Message.Trim()}). ONNX Runtime 1.31 needs CUDA 13 and cuDNN; set FallbackToCpu = true to score on the CPU.", e);
        }
    }
}
