using Google.Protobuf;
using MLNet.UNet.Export;
using Onnx;

namespace MLNet.UNet.Threshold;

/// <summary>
/// A tiny ONNX graph that turns probabilities into a binary mask: Greater against the threshold (an initializer,
/// so it survives save and load), then Cast to float 0/1 or Where to byte 0/255.
/// </summary>
internal static class ThresholdGraph
{
    public static byte[] Build(string input, string output, long[] shape, float threshold, MaskFormat format)
    {
        var builder = new OnnxGraphBuilder();
        var limit = builder.AddInitializer("threshold", [threshold]);
        var above = builder.AddNode("Greater", [input, limit]);
        var elementType = TensorProto.Types.DataType.Float;
        if (format == MaskFormat.Float)
        {
            builder.AddNode("Cast", [above], output, OnnxGraphBuilder.Int("to", (long)TensorProto.Types.DataType.Float));
        }
        else
        {
            elementType = TensorProto.Types.DataType.Uint8;
            builder.Graph.Initializer.Add(ByteScalar("foreground", 255));
            builder.Graph.Initializer.Add(ByteScalar("background", 0));
            builder.AddNode("Where", [above, "foreground", "background"], output);
        }
        var dims = shape.Select(d => ((long?)d, "")).ToArray();
        builder.Graph.Input.Add(OnnxGraphBuilder.FloatTensor(input, dims));
        var outputInfo = OnnxGraphBuilder.FloatTensor(output, dims);
        outputInfo.Type.TensorType.ElemType = (int)elementType;
        builder.Graph.Output.Add(outputInfo);
        var model = builder.ToModel();
        model.MetadataProps.Add(new StringStringEntryProto { Key = SavedModelThreshold.MetadataKey, Value = threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture) });
        return model.ToByteArray();
    }

    static TensorProto ByteScalar(string name, byte value) => new()
    {
        Name = name,
        DataType = (int)TensorProto.Types.DataType.Uint8,
        RawData = ByteString.CopyFrom(value),
    };
}
