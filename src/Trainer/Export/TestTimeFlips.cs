using Google.Protobuf;
using Onnx;
using MLNet.UNet.Transforms;
using static MLNet.UNet.Export.OnnxGraphBuilder;

namespace MLNet.UNet.Export;

/// <summary>The image axes a network is flipped along at test time (and was trained with flips along).</summary>
[Flags]
public enum FlipAxes
{
    /// <summary>No flips.</summary>
    None = 0,

    /// <summary>Left-right (the width axis).</summary>
    LeftRight = 1,

    /// <summary>Top-bottom (the height axis).</summary>
    TopBottom = 2,
}

/// <summary>
/// Test-time mirroring, as nnU-Net and MONAI do it, inside the ONNX graph: the wrapped model runs the network on the
/// image as given and flipped along every combination of the chosen axes (two passes for one axis, four for both),
/// undoes each flip on the output and returns the mean. Being part of the graph, it is saved with the model, and a
/// saved ML.NET pipeline still scores with ML.NET and ONNX Runtime alone. Like nnU-Net, it flips only along the axes
/// the network was trained with flips along: a network that never saw a flipped image does worse on one.
/// </summary>
public static class TestTimeFlips
{
    const string Prefix = "test_time_flips";

    /// <summary>Metadata key of a wrapped model: the axes it averages over.</summary>
    public const string MetadataKey = "mlnet.unet.test_time_flips";

    /// <summary>Metadata key of an exported network: the axes it was trained with flips along (<see cref="FlipAxes"/> as text).</summary>
    public const string TrainedFlipsKey = "mlnet.unet.trained_flips";

    /// <summary>Why test-time flips need training flips, for error messages.</summary>
    public const string WhyTrainingFlips =
        "flips at test time need a network trained with flips along the same axes (AugmentationOptions.HorizontalFlipProbability " +
        "and VerticalFlipProbability): one that never saw a flipped image does worse on it. The liver-mri recipe's model, trained without " +
        "flips (the liver lies on one side), fell from 0.906 to 0.242 mean 3D Dice on the default split when averaged over both flips";

    /// <summary>The axes <paramref name="augmentation"/> flips images along.</summary>
    public static FlipAxes TrainedAxes(AugmentationOptions augmentation)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        return (augmentation.HorizontalFlipProbability > 0 ? FlipAxes.LeftRight : FlipAxes.None)
            | (augmentation.VerticalFlipProbability > 0 ? FlipAxes.TopBottom : FlipAxes.None);
    }

    /// <summary>
    /// Wraps a model of one N x C x H x W input and one N x K x H x W output (as <see cref="OnnxExporter"/> writes) so
    /// that its output is the mean over the flips along <paramref name="axes"/>. Input and output keep their names and shapes.
    /// </summary>
    /// <exception cref="ArgumentException">No axes, a model without exactly one input and one output, or one wrapped already.</exception>
    public static byte[] Wrap(byte[] onnxModel, FlipAxes axes)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        return Wrap(ModelProto.Parser.ParseFrom(onnxModel), axes);
    }

    /// <summary>The axes a model wrapped by <see cref="Wrap(byte[], FlipAxes)"/> averages over; <see cref="FlipAxes.None"/> for any other model.</summary>
    public static FlipAxes AveragedAxes(byte[] onnxModel)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        var recorded = ModelProto.Parser.ParseFrom(onnxModel).MetadataProps.FirstOrDefault(p => p.Key == MetadataKey)?.Value;
        return recorded is not null && Enum.TryParse<FlipAxes>(recorded, out var axes) ? axes : FlipAxes.None;
    }

    /// <summary>
    /// Wraps a model that <see cref="OnnxExporter"/> wrote for a network, along the axes it records it was trained with
    /// flips along (<see cref="TrainedFlipsKey"/>); null when the model is not such a network's.
    /// </summary>
    /// <exception cref="InvalidDataException">The network averages over flips already, or was trained without flips, or does not record it.</exception>
    public static byte[]? WrapAlongTrainedAxes(byte[] onnxModel)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        var model = ModelProto.Parser.ParseFrom(onnxModel);
        string? Metadata(string key) => model.MetadataProps.FirstOrDefault(p => p.Key == key)?.Value;
        if (Metadata(OnnxExporter.NetworkOptionsKey) is null)
            return null;
        if (Metadata(MetadataKey) is not null)
            throw new InvalidDataException("The model already averages over test-time flips.");
        var recorded = Metadata(TrainedFlipsKey);
        if (recorded is null || !Enum.TryParse<FlipAxes>(recorded, out var axes) || axes == FlipAxes.None)
            throw new InvalidDataException((recorded is null ? "The model does not record whether it was trained with flips (it is older than that record): " : "The model was trained without flips: ") +
                WhyTrainingFlips + ".");
        return Wrap(model, axes);
    }

    static byte[] Wrap(ModelProto model, FlipAxes axes)
    {
        if (axes == FlipAxes.None || (axes & ~(FlipAxes.LeftRight | FlipAxes.TopBottom)) != 0)
            throw new ArgumentException($"Test-time flips need LeftRight, TopBottom or both; got {axes}.", nameof(axes));
        var graph = model.Graph;
        if (graph.Input.Count != 1 || graph.Output.Count != 1)
            throw new ArgumentException(
                $"Test-time flips wrap a model of one image input and one output; this one has {graph.Input.Count} inputs and {graph.Output.Count} outputs.");
        if (model.MetadataProps.Any(p => p.Key == MetadataKey))
            throw new ArgumentException("The model already averages over test-time flips.");
        string input = graph.Input[0].Name, output = graph.Output[0].Name;
        string batch = $"{Prefix}_batch", networkOutput = $"{Prefix}_network_output";

        var network = graph.Node.ToList();
        OnnxGraphBuilder.RenameValue(graph, input, batch);
        OnnxGraphBuilder.RenameValue(graph, output, networkOutput);

        // Each flip is its own inverse: the same axes flip the input and unflip the output.
        var flips = new List<long[]> { Array.Empty<long>() };
        if (axes.HasFlag(FlipAxes.LeftRight))
            flips.Add([3]);
        if (axes.HasFlag(FlipAxes.TopBottom))
            flips.Add([2]);
        if (axes == (FlipAxes.LeftRight | FlipAxes.TopBottom))
            flips.Add([2, 3]);

        var before = new OnnxGraphBuilder();
        var flipped = flips.Select((dims, i) => dims.Length == 0 ? input : Flip(before, input, $"in{i}", dims)).ToArray();
        before.AddNode("Concat", flipped, batch, Int("axis", 0));

        var after = new OnnxGraphBuilder();
        string[] parts = [.. flips.Select((_, i) => $"{Prefix}_part{i}")];
        after.AddSplit(networkOutput, parts, 0, Opset(model));
        var unflipped = parts.Select((part, i) => flips[i].Length == 0 ? part : Flip(after, part, $"out{i}", flips[i])).ToArray();
        var sum = after.AddNode("Sum", unflipped, $"{Prefix}_sum");
        var mean = after.AddInitializer($"{Prefix}_reciprocal", [1f / flips.Count]);
        after.AddNode("Mul", [sum, mean], output);

        // The builders name nodes by type and count, as the exporter did; named after their prefixed outputs, they cannot clash.
        foreach (var node in before.Graph.Node.Concat(after.Graph.Node))
            node.Name = $"{Prefix}_node_{node.Output[0]}";
        graph.Node.Clear();
        graph.Node.AddRange(before.Graph.Node);
        graph.Node.AddRange(network);
        graph.Node.AddRange(after.Graph.Node);
        graph.Initializer.AddRange(before.Graph.Initializer);
        graph.Initializer.AddRange(after.Graph.Initializer);
        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = axes.ToString() });
        return model.ToByteArray();
    }

    // Reverses the given axes with Slice (start -1, end before the first element, step -1).
    static string Flip(OnnxGraphBuilder builder, string value, string name, long[] axes)
    {
        var starts = builder.AddInt64Initializer($"{Prefix}_{name}_starts", [.. axes.Select(_ => -1L)], axes.Length);
        var ends = builder.AddInt64Initializer($"{Prefix}_{name}_ends", [.. axes.Select(_ => long.MinValue)], axes.Length);
        var axesName = builder.AddInt64Initializer($"{Prefix}_{name}_axes", axes, axes.Length);
        var steps = builder.AddInt64Initializer($"{Prefix}_{name}_steps", [.. axes.Select(_ => -1L)], axes.Length);
        return builder.AddNode("Slice", [value, starts, ends, axesName, steps], $"{Prefix}_{name}");
    }
}
