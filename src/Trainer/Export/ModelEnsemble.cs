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
    /// with the same names, element types and shapes, and import the same opset. The metadata that all of them share is
    /// kept, and the first model's network options.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two models, or models that differ in their input, output or opset.</exception>
    public static byte[] Average(IReadOnlyList<byte[]> models) => Average(models, classes: null);

    /// <summary>
    /// One model whose output is the mean of <paramref name="models"/>' outputs, where a model of several classes may
    /// give one class's probability only: a liver model and a model of the abdominal organs then vote on the liver.
    /// The models must have one input and one output, with the same input, and outputs of the same name, element type
    /// and shape once the classes are taken; they must import the same opset. The metadata that all of them share is
    /// kept, and the first model's network options, which describe the ensemble's output: the first model gives its
    /// whole output.
    /// </summary>
    /// <param name="models">The ONNX models.</param>
    /// <param name="classes">
    /// Per model, the class (an index along the output's axis 1) whose probability it gives, as one channel; null, or a
    /// null entry, for its whole output. The first model's entry must be null.
    /// </param>
    /// <exception cref="ArgumentException">
    /// Fewer than two models, a class list of another length or a class the model does not have, or models that differ
    /// in their input, output or opset.
    /// </exception>
    public static byte[] Average(IReadOnlyList<byte[]> models, IReadOnlyList<int?>? classes)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count < 2)
            throw new ArgumentException($"An ensemble averages two models or more; got {models.Count}.", nameof(models));
        if (classes is not null && classes.Count != models.Count)
            throw new ArgumentException($"{classes.Count} classes were given for {models.Count} models; give one per model (null for its whole output).", nameof(classes));
        if (classes?[0] is { } firstClass)
            throw new ArgumentException(
                $"Model 1 of the ensemble is to give class {firstClass}, but the first model gives its whole output, which the ensemble's is; put a model of that one class first.", nameof(classes));
        var parsed = models.Select(m => ModelProto.Parser.ParseFrom(m ?? throw new ArgumentException("A model of the ensemble is null.", nameof(models)))).ToList();
        int? ClassOf(int k) => classes?[k];
        var outputs = parsed.Select((model, k) => Check(model, k, ClassOf(k))).ToList();
        var first = parsed[0];
        for (int k = 1; k < parsed.Count; k++)
        {
            var graph = parsed[k].Graph;
            foreach (var (role, mine, theirs) in new[] { ("input", graph.Input[0], first.Graph.Input[0]), ("output", outputs[k], outputs[0]) })
                if (!mine.Equals(theirs))
                    throw new ArgumentException(
                        $"Model {k + 1} of the ensemble has the {role} {Describe(mine)}, but model 1 has {Describe(theirs)}; the models must take and give the same tensors.");
            if (!parsed[k].OpsetImport.Equals(first.OpsetImport))
                throw new ArgumentException($"Model {k + 1} of the ensemble imports opsets {parsed[k].OpsetImport}, model 1 {first.OpsetImport}; export them with the same opset.");
        }

        string input = first.Graph.Input[0].Name, output = first.Graph.Output[0].Name;
        var ensemble = new GraphProto { Name = Prefix };
        ensemble.Input.Add(first.Graph.Input[0]);
        ensemble.Output.Add(outputs[0]);
        var memberOutputs = new List<string>();
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
            memberOutputs.Add(ClassOf(k) is { } taken ? OneClassModel.AddClassSlice(ensemble, prefix, prefix + output, taken) : prefix + output);
        }
        var builder = new OnnxGraphBuilder();
        var sum = builder.AddNode("Sum", memberOutputs, $"{Prefix}_sum");
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
        model.MetadataProps.AddRange(first.MetadataProps.Where(p =>
            p.Key == OnnxExporter.NetworkOptionsKey || parsed.All(m => m.MetadataProps.Any(q => q.Key == p.Key && q.Value == p.Value))));
        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = parsed.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return model.ToByteArray();
    }

    // The model's one input and one output; its output as the ensemble sees it, one channel when a class is taken.
    static ValueInfoProto Check(ModelProto model, int k, int? taken)
    {
        var graph = model.Graph;
        if (graph.Input.Count != 1 || graph.Output.Count != 1)
            throw new ArgumentException($"Model {k + 1} of the ensemble has {graph.Input.Count} inputs and {graph.Output.Count} outputs; each must have one of each.");
        if (graph.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)))
            throw new ArgumentException($"Model {k + 1} of the ensemble has subgraphs (Loop, If, Scan); an ensemble takes models without them.");
        if (taken is not { } index)
            return graph.Output[0];
        var output = graph.Output[0].Clone();
        var dims = output.Type.TensorType.Shape.Dim;
        if (dims.Count < 2 || dims[1].DimValue < 2 || index < 0 || index >= dims[1].DimValue)
            throw new ArgumentException(
                $"Model {k + 1} of the ensemble is to give class {index}, but its output is {Describe(output)}: a class is taken from a model of several classes, along axis 1.");
        dims[1] = new TensorShapeProto.Types.Dimension { DimValue = 1 };
        return output;
    }

    static string Describe(ValueInfoProto value) => $"'{value.Name}' {OneClassModel.Shape(value)}";
}
