using Google.Protobuf;
using Onnx;

namespace MLNet.UNet.Export;

/// <summary>Appends ONNX nodes and float initializers to a graph, naming intermediate values uniquely.</summary>
internal sealed class OnnxGraphBuilder
{
    int nextValue;

    public GraphProto Graph { get; } = new() { Name = "unet" };

    public string NewValue(string hint) => $"{hint}_{nextValue++}";

    public string AddInitializer(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this exporter runs on little-endian machines only.");
        tensor.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(tensor);
        return name;
    }

    public string AddNode(string opType, IEnumerable<string> inputs, string? output = null, params AttributeProto[] attributes)
    {
        output ??= NewValue(opType.ToLowerInvariant());
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{Graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static ValueInfoProto FloatTensor(string name, params (long? Value, string Symbol)[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var (value, symbol) in dims)
            shape.Dim.Add(value is { } fixedSize
                ? new TensorShapeProto.Types.Dimension { DimValue = fixedSize }
                : new TensorShapeProto.Types.Dimension { DimParam = symbol });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }
}
