using Google.Protobuf;
using MLNet.UNet.Export;
using Onnx;

namespace MLNet.UNet.ArgMax;

/// <summary>A tiny ONNX graph that turns 1 x C x H x W class probabilities into 1 x H x W class indices: ArgMax over the classes, then Cast to byte.</summary>
internal static class ArgMaxGraph
{
    public static byte[] Build(string input, string output, long[] shape)
    {
        var builder = new OnnxGraphBuilder();
        var indices = builder.AddNode("ArgMax", [input], null, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 0));
        builder.AddNode("Cast", [indices], output, OnnxGraphBuilder.Int("to", (long)TensorProto.Types.DataType.Uint8));
        builder.Graph.Input.Add(OnnxGraphBuilder.FloatTensor(input, [.. shape.Select(d => ((long?)d, ""))]));
        var outputInfo = OnnxGraphBuilder.FloatTensor(output, [.. shape.Where((_, axis) => axis != 1).Select(d => ((long?)d, ""))]);
        outputInfo.Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Uint8;
        builder.Graph.Output.Add(outputInfo);
        return builder.ToModel().ToByteArray();
    }
}
