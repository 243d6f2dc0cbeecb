using Google.Protobuf;
using Onnx;

namespace MLNet.UNet.Export;

/// <summary>
/// Several networks as one ONNX model that averages their outputs, as nnU-Net averages the models of its folds: every
/// network runs on the same input, and the output is the mean of theirs. Being one graph, it is saved in one model zip
/// and scores with ML.NET and ONNX Runtime alone.
/// </summary>
public static class ModelEnsemble
{
    const string Prefix = "ensemble";

    /// <summary>Metadata key of an ensemble: how many models it averages.</summary>
    public const string MetadataKey = "mlnet.unet.ensemble";

    /// <summary>
    /// One model whose output is the mean of <paramref name="models"/>' outputs. They must have one input and one output,
    /// with the same names, element types and shapes, and import the same opset. The metadata that all of them share is kept.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two models, or models that differ in their input, output or opset.</exception>
    public static byte[] Average(IReadOnlyList<byte[]> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count < 2)
            throw new ArgumentException($"An ensemble averages two models or more; got {models.Count}.", nameof(models));
        var parsed = models.Select(m => ModelProto.Parser.ParseFrom(m ?? throw new ArgumentException("A model of the ensemble is null.", nameof(models)))).ToList();
        var first = parsed[0];
        for (int k = 0; k < parsed.Count; k++)
        {
            var graph = parsed[k].Graph;
            if (graph.Input.Count != 1 || graph.Output.Count != 1)
                throw new ArgumentException($"Model {k + 1} of the ensemble has {graph.Input.Count} inputs and {graph.Output.Count} outputs; each must have one of each.");
            if (graph.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)))
                throw new ArgumentException($"Model {k + 1} of the ensemble has subgraphs (Loop, If, Scan); an ensemble takes models without them.");
            foreach (var (role, mine, theirs) in new[] { ("input", graph.Input[0], first.Graph.Input[0]), ("output", graph.Output[0], first.Graph.Output[0]) })
                if (!mine.Equals(theirs))
                    throw new ArgumentException(
                        $"Model {k + 1} of the ensemble has the {role} {Describe(mine)}, but model 1 has {Describe(theirs)}; the models must take and give the same tensors.");
            if (!parsed[k].OpsetImport.Equals(first.OpsetImport))
                throw new ArgumentException($"Model {k + 1} of the ensemble imports opsets {parsed[k].OpsetImport}, model 1 {first.OpsetImport}; export them with the same opset.");
        }

        string input = first.Graph.Input[0].Name, output = first.Graph.Output[0].Name;
        var ensemble = new GraphProto { Name = Prefix };
        ensemble.Input.Add(first.Graph.Input[0]);
        ensemble.Output.Add(first.Graph.Output[0]);
        var outputs = new List<string>();
        for (int k = 0; k < parsed.Count; k++)
        {
            string prefix = $"{Prefix}{k}_";
            var graph = parsed[k].Graph;
            string Renamed(string value) => value == input || value.Length == 0 ? value : prefix + value;
            foreach (var original in graph.Node)
            {
                var node = original.Clone();
                node.Name = prefix + original.Name;
                for (int i = 0; i < node.Input.Count; i++)
                    node.Input[i] = Renamed(node.Input[i]);
                for (int i = 0; i < node.Output.Count; i++)
                    node.Output[i] = Renamed(node.Output[i]);
                ensemble.Node.Add(node);
            }
            foreach (var initializer in graph.Initializer)
            {
                var copy = initializer.Clone();
                copy.Name = prefix + initializer.Name;
                ensemble.Initializer.Add(copy);
            }
            outputs.Add(prefix + output);
        }
        var builder = new OnnxGraphBuilder();
        var sum = builder.AddNode("Sum", outputs, $"{Prefix}_sum");
        var reciprocal = builder.AddInitializer($"{Prefix}_reciprocal", [1f / parsed.Count]);
        builder.AddNode("Mul", [sum, reciprocal], output);
        foreach (var node in builder.Graph.Node)
            node.Name = $"{Prefix}_node_{node.Output[0]}";
        ensemble.Node.AddRange(builder.Graph.Node);
        ensemble.Initializer.AddRange(builder.Graph.Initializer);

        var model = new ModelProto
        {
            IrVersion = first.IrVersion, ProducerName = first.ProducerName, ProducerVersion = first.ProducerVersion, Graph = ensemble,
        };
        model.OpsetImport.AddRange(first.OpsetImport);
        model.MetadataProps.AddRange(first.MetadataProps.Where(p => parsed.All(m => m.MetadataProps.Any(q => q.Key == p.Key && q.Value == p.Value))));
        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = parsed.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return model.ToByteArray();
    }

    static string Describe(ValueInfoProto value) =>
        $"'{value.Name}' [{string.Join(", ", value.Type.TensorType.Shape.Dim.Select(d => d.DimParam is { Length: > 0 } p ? p : d.DimValue.ToString()))}]";
}
