using System.Text.Json;
using Google.Protobuf;
using MLNet.UNet.Export;
using Onnx;
using static MLNet.UNet.Export.OnnxGraphBuilder;

namespace MLNet.UNet.Inference;

/// <summary>
/// Sliding-window inference inside the ONNX graph: wraps a network whose input is one tile (N x C x T x T) into a model
/// whose input is a whole image of a fixed height and width (N x C x H x W, any size, a multiple of nothing). The graph
/// cuts the image into overlapping tiles (<see cref="TileGrid"/>), runs the network on them a batch at a time, weighs
/// each tile's probabilities (<see cref="TileGrid.Weights"/>), puts them back in place and divides by the summed
/// weights. An image smaller than a tile is padded with its edge pixels, and the padding is cut off the output.
/// Being part of the graph, it is saved with the model, and a saved ML.NET pipeline still scores with ML.NET and ONNX
/// Runtime alone.
/// </summary>
public static class SlidingWindow
{
    const string Prefix = "sliding_window";

    /// <summary>Metadata key of a wrapped model: its tile size, overlap, blend and image size, as JSON.</summary>
    public const string MetadataKey = "mlnet.unet.sliding_window";

    /// <summary>
    /// Wraps <paramref name="tileModel"/>, a model of one N x C x T x T input and one N x K x T x T output (T =
    /// <see cref="SlidingWindowOptions.TileSize"/>), for images of <paramref name="height"/> x <paramref name="width"/>.
    /// Input and output keep their names; their height and width become the image's.
    /// </summary>
    /// <exception cref="ArgumentException">The model's input is not T x T tiles, or it is wrapped already, or an option is out of range.</exception>
    public static byte[] Wrap(byte[] tileModel, int height, int width, SlidingWindowOptions options)
    {
        ArgumentNullException.ThrowIfNull(tileModel);
        ArgumentNullException.ThrowIfNull(options);
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(height), $"The image must be at least 1 x 1, got {height} x {width}.");
        var model = ModelProto.Parser.ParseFrom(tileModel);
        var graph = model.Graph;
        if (graph.Input.Count != 1 || graph.Output.Count != 1)
            throw new ArgumentException(
                $"A sliding window wraps a model of one image input and one output; this one has {graph.Input.Count} inputs and {graph.Output.Count} outputs.");
        if (model.MetadataProps.Any(p => p.Key == MetadataKey))
            throw new ArgumentException("The model already scores in a sliding window.");
        if (graph.Node.Any(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)))
            throw new ArgumentException("A sliding window wraps a model without subgraphs (Loop, If, Scan); this one has some.");
        int tile = options.TileSize;
        var inputDims = graph.Input[0].Type.TensorType.Shape.Dim;
        if (inputDims.Count != 4 || inputDims[2].DimValue != tile || inputDims[3].DimValue != tile)
            throw new ArgumentException(
                $"The sliding window's tiles are {tile} x {tile}, but the model's input is [{string.Join(", ", inputDims.Select(Describe))}]; " +
                $"export the network for {tile} x {tile} inputs (N x C x {tile} x {tile}).");
        options.Validate(1);

        string input = graph.Input[0].Name, output = graph.Output[0].Name;
        var network = graph.Node.ToList();
        var builder = new OnnxGraphBuilder();
        int paddedHeight = Math.Max(height, tile), paddedWidth = Math.Max(width, tile);
        string image = input;
        if (paddedHeight != height || paddedWidth != width)
        {
            var pads = builder.AddInt64Initializer($"{Prefix}_input_pads", [0, 0, 0, 0, 0, 0, paddedHeight - height, paddedWidth - width], 8);
            image = builder.AddNode("Pad", [input, pads], $"{Prefix}_padded", String("mode", "edge"));
        }

        var tiles = (from y in TileGrid.Starts(paddedHeight, tile, options.Overlap)
                     from x in TileGrid.Starts(paddedWidth, tile, options.Overlap)
                     select (Y: y, X: x)).ToList();
        var tileWeights = TileGrid.Weights(tile, options.Blend);
        var weights = builder.AddInitializer($"{Prefix}_weights", tileWeights, 1, 1, tile, tile);
        var placed = new List<string>();
        var weightSum = new float[paddedHeight * paddedWidth];
        for (int first = 0, pass = 0; first < tiles.Count; first += options.TilesPerPass, pass++)
        {
            var batch = tiles.Skip(first).Take(options.TilesPerPass).ToList();
            var crops = batch.Select((t, i) => Crop(builder, image, $"{Prefix}_tile{first + i}", t.Y, t.X, tile, tile)).ToList();
            string passInput = crops.Count == 1 ? crops[0] : builder.AddNode("Concat", crops, $"{Prefix}_pass{pass}_input", Int("axis", 0));
            string passOutput = $"{Prefix}_pass{pass}_output";
            builder.Graph.Node.AddRange(CopyOfNetwork(network, input, output, passInput, passOutput, $"{Prefix}_pass{pass}"));
            List<string> parts = [passOutput];
            if (crops.Count > 1)
            {
                parts = [.. Enumerable.Range(0, crops.Count).Select(i => $"{Prefix}_pass{pass}_part{i}")];
                builder.AddSplit(passOutput, parts, 0, Opset(model));
            }
            for (int i = 0; i < batch.Count; i++)
            {
                var (y, x) = batch[i];
                var weighted = builder.AddNode("Mul", [parts[i], weights], $"{Prefix}_tile{first + i}_weighted");
                var pads = builder.AddInt64Initializer($"{Prefix}_tile{first + i}_pads",
                    [0, 0, y, x, 0, 0, paddedHeight - y - tile, paddedWidth - x - tile], 8);
                placed.Add(builder.AddNode("Pad", [weighted, pads], $"{Prefix}_tile{first + i}_placed"));
                for (int r = 0; r < tile; r++)
                    for (int c = 0; c < tile; c++)
                        weightSum[(y + r) * paddedWidth + x + c] += tileWeights[r * tile + c];
            }
        }
        var sum = placed.Count == 1 ? placed[0] : builder.AddNode("Sum", placed, $"{Prefix}_sum");
        var reciprocal = builder.AddInitializer($"{Prefix}_reciprocal_weight", Array.ConvertAll(weightSum, w => 1 / w), 1, 1, paddedHeight, paddedWidth);
        if (paddedHeight == height && paddedWidth == width)
            builder.AddNode("Mul", [sum, reciprocal], output);
        else
            Crop(builder, builder.AddNode("Mul", [sum, reciprocal], $"{Prefix}_blended"), output, 0, 0, height, width);

        foreach (var node in builder.Graph.Node.Where(n => !n.Name.StartsWith(Prefix, StringComparison.Ordinal)))
            node.Name = $"{Prefix}_node_{node.Output[0]}";
        graph.Node.Clear();
        graph.Node.AddRange(builder.Graph.Node);
        graph.Initializer.AddRange(builder.Graph.Initializer);
        SetHeightAndWidth(graph.Input[0], height, width);
        SetHeightAndWidth(graph.Output[0], height, width);
        graph.ValueInfo.Clear(); // shapes inside the network were the tile's
        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = MetadataKey,
            Value = JsonSerializer.Serialize(new { options.TileSize, options.Overlap, Blend = options.Blend.ToString(), Height = height, Width = width, Tiles = tiles.Count }),
        });
        return model.ToByteArray();
    }

    // The network's nodes again, every value it makes renamed for this pass; the weights (initializers) are shared.
    static IEnumerable<NodeProto> CopyOfNetwork(List<NodeProto> network, string input, string output, string passInput, string passOutput, string prefix)
    {
        var made = network.SelectMany(n => n.Output).Where(o => o.Length > 0).ToHashSet();
        string Renamed(string value) => value == input ? passInput : value == output ? passOutput : made.Contains(value) ? $"{prefix}_{value}" : value;
        foreach (var original in network)
        {
            var node = original.Clone();
            node.Name = $"{prefix}_{original.Name}";
            for (int i = 0; i < node.Input.Count; i++)
                node.Input[i] = Renamed(node.Input[i]);
            for (int i = 0; i < node.Output.Count; i++)
                node.Output[i] = Renamed(node.Output[i]);
            yield return node;
        }
    }

    static string Crop(OnnxGraphBuilder builder, string value, string output, int y, int x, int height, int width)
    {
        var starts = builder.AddInt64Initializer($"{output}_starts", [y, x], 2);
        var ends = builder.AddInt64Initializer($"{output}_ends", [y + height, x + width], 2);
        var axes = builder.AddInt64Initializer($"{output}_axes", [2, 3], 2);
        return builder.AddNode("Slice", [value, starts, ends, axes], output);
    }

    static void SetHeightAndWidth(ValueInfoProto value, int height, int width)
    {
        var dims = value.Type.TensorType.Shape.Dim;
        dims[2] = new TensorShapeProto.Types.Dimension { DimValue = height };
        dims[3] = new TensorShapeProto.Types.Dimension { DimValue = width };
    }

    static string Describe(TensorShapeProto.Types.Dimension dim) => dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? dim.DimValue.ToString() : dim.DimParam is { Length: > 0 } p ? p : "?";
}
