using Google.Protobuf;
using Onnx;

namespace MLNet.UNet.Export;

/// <summary>
/// Appends ONNX nodes and float initializers to a graph, naming intermediate values uniquely. The U-Net exporter
/// builds its graph with it, and so do the small graphs of the ML.NET components (the threshold).
/// </summary>
public sealed class OnnxGraphBuilder
{
    int nextValue;

    /// <summary>The graph being built.</summary>
    public GraphProto Graph { get; } = new() { Name = "unet" };

    /// <summary>A value name not used before in this graph, starting with <paramref name="hint"/>.</summary>
    public string NewValue(string hint) => $"{hint}_{nextValue++}";

    /// <summary>Adds a float initializer of shape <paramref name="dims"/>; returns its name.</summary>
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

    /// <summary>Adds an int64 initializer of shape <paramref name="dims"/> (indices, axes, steps); returns its name.</summary>
    public string AddInt64Initializer(string name, long[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node; its output is <paramref name="output"/> or a new value name, which is returned.</summary>
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

    /// <summary>
    /// Adds a Split of <paramref name="value"/> into equal parts along <paramref name="axis"/>, one per output name, written for
    /// the model's <paramref name="opset"/> (from 18, Split needs the number of outputs).
    /// </summary>
    public void AddSplit(string value, IReadOnlyList<string> outputs, long axis, int opset)
    {
        var split = new NodeProto { OpType = "Split", Name = $"Split_{Graph.Node.Count}" };
        split.Input.Add(value);
        split.Output.AddRange(outputs);
        split.Attribute.Add(Int("axis", axis));
        if (opset >= 18)
            split.Attribute.Add(Int("num_outputs", outputs.Count));
        Graph.Node.Add(split);
    }

    /// <summary>Renames the value <paramref name="from"/> to <paramref name="to"/> wherever a node of <paramref name="graph"/> takes or gives it.</summary>
    public static void RenameValue(GraphProto graph, string from, string to)
    {
        ArgumentNullException.ThrowIfNull(graph);
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == from)
                    node.Input[i] = to;
            for (int i = 0; i < node.Output.Count; i++)
                if (node.Output[i] == from)
                    node.Output[i] = to;
        }
    }

    /// <summary>The version of the standard ONNX domain that <paramref name="model"/> imports (17 when it names none).</summary>
    public static int Opset(ModelProto model) =>
        (int)model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(17).Max();

    /// <summary>An attribute holding integers.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>An attribute holding one integer.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An attribute holding one float.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An attribute holding one string.</summary>
    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>A float tensor's name and shape; a null dimension is symbolic, named by its symbol.</summary>
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

    /// <summary>
    /// A model around <see cref="Graph"/> with this project's producer name, ONNX IR version
    /// (<see cref="OnnxExporter.IrVersion"/>) and the standard domain at <paramref name="opset"/>
    /// (<see cref="OnnxExportOptions.Opset"/>'s default when not given).
    /// </summary>
    public ModelProto ToModel(int? opset = null)
    {
        var model = new ModelProto
        {
            IrVersion = OnnxExporter.IrVersion, ProducerName = "MLNet.UNet", ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "",
            Graph = Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset ?? new OnnxExportOptions().Opset });
        return model;
    }
}
