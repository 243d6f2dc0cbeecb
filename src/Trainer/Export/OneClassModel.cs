using Google.Protobuf;
using Onnx;

namespace MLNet.UNet.Export;

/// <summary>
/// A network of several classes (softmax) as the model of one of them: the output, under the same name, is that class's
/// probability alone, one channel ([N, 1, H, W]), which a threshold turns into the class's mask as it does a one-class
/// network's. A network trained on an organ and its neighbours is written this way as the organ's model.
/// </summary>
public static class OneClassModel
{
    /// <summary>Metadata key of such a model: the class of the network that it gives.</summary>
    public const string MetadataKey = "mlnet.unet.class";

    /// <summary>The model of class <paramref name="classIndex"/> of <paramref name="onnxModel"/>, a network with one input and one [N, C, H, W] output.</summary>
    /// <exception cref="ArgumentException">The model has not one input and one output of several classes, or has no such class.</exception>
    public static byte[] Take(byte[] onnxModel, int classIndex)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        var model = ModelProto.Parser.ParseFrom(onnxModel);
        var graph = model.Graph;
        if (graph.Input.Count != 1 || graph.Output.Count != 1)
            throw new ArgumentException($"A class is taken from a network with one input and one output; this model has {graph.Input.Count} inputs and {graph.Output.Count} outputs.", nameof(onnxModel));
        var output = graph.Output[0];
        var dims = output.Type.TensorType.Shape.Dim;
        if (dims.Count != 4 || dims[1].DimValue < 2)
            throw new ArgumentException($"A class is taken from a network of several classes with an [N, C, H, W] output; this model's output '{output.Name}' has {Shape(output)}.", nameof(onnxModel));
        if (classIndex < 0 || classIndex >= dims[1].DimValue)
            throw new ArgumentOutOfRangeException(nameof(classIndex), classIndex, $"The network has classes 0 to {dims[1].DimValue - 1}.");

        // The network's output is renamed, and its class taken under the output's name.
        string name = output.Name, classes = name + "_classes";
        OnnxGraphBuilder.RenameValue(graph, name, classes);
        AddClassSlice(graph, "one_class_", classes, classIndex, name);
        dims[1] = new TensorShapeProto.Types.Dimension { DimValue = 1 };
        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = classIndex.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return model.ToByteArray();
    }

    /// <summary>Adds to <paramref name="graph"/> channel <paramref name="index"/> of the [N, C, H, W] <paramref name="value"/>, as [N, 1, H, W]; returns its name.</summary>
    internal static string AddClassSlice(GraphProto graph, string prefix, string value, int index, string? output = null)
    {
        var builder = new OnnxGraphBuilder();
        var starts = builder.AddInt64Initializer($"{prefix}class_starts", [index], 1);
        var ends = builder.AddInt64Initializer($"{prefix}class_ends", [index + 1], 1);
        var axes = builder.AddInt64Initializer($"{prefix}class_axes", [1], 1);
        var taken = builder.AddNode("Slice", [value, starts, ends, axes], output ?? $"{prefix}class_{index}");
        foreach (var node in builder.Graph.Node)
            node.Name = $"{prefix}node_{node.Output[0]}";
        graph.Node.AddRange(builder.Graph.Node);
        graph.Initializer.AddRange(builder.Graph.Initializer);
        return taken;
    }

    /// <summary>A value's shape as it reads in messages: [N, 3, 128, 128].</summary>
    internal static string Shape(ValueInfoProto value) =>
        $"[{string.Join(", ", value.Type.TensorType.Shape.Dim.Select(d => d.DimParam is { Length: > 0 } p ? p : d.DimValue.ToString()))}]";
}
