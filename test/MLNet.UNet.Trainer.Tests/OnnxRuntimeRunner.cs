using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLNet.UNet.Tests;

/// <summary>Runs an ONNX model in a real ONNX Runtime session (CPU).</summary>
internal static class OnnxRuntimeRunner
{
    public static float[] Run(byte[] model, string inputName, float[] input, int[] shape, out int[] outputShape)
    {
        using var session = new InferenceSession(model);
        var tensor = new DenseTensor<float>(input, shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, tensor)]);
        var output = results.First().AsTensor<float>();
        outputShape = output.Dimensions.ToArray();
        return output.ToArray();
    }
}
