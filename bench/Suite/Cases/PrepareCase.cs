using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using Microsoft.ML;
using static TorchSharp.torch;

namespace MLNet.UNet.Bench.Cases;

/// <summary>
/// Writes what the inference cases load, per network, into a folder: TorchSharp weights (network.dat) and the same
/// weights as raw float32 for PyTorch (weights.bin + manifest.json) with a probe input and TorchSharp's output on
/// it (so that the PyTorch side proves it runs the identical network); a fitted ExtractPixels -> UNetSegment ->
/// Threshold pipeline (pipeline.zip) and its U-Net as model.onnx for the bare ONNX Runtime session.
/// </summary>
static class PrepareCase
{
    public static JsonObject Run(BenchNetwork bench, string folder)
    {
        Directory.CreateDirectory(folder);
        random.manual_seed(1);
        using (var network = new UNetNetwork(bench.Network))
        {
            network.eval();
            network.save(Path.Combine(folder, "network.dat"));
            WriteRawWeights(network, folder);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var probe = rand(1, bench.Network.InputChannels, bench.Size, bench.Size);
            WriteFloats(Path.Combine(folder, "input.bin"), probe.data<float>().ToArray());
            WriteFloats(Path.Combine(folder, "output.bin"), network.Predict(probe).data<float>().ToArray());
        }

        switch (bench.Size)
        {
            case 128: SavePipeline<ImageRow128>(bench, folder); break;
            case 256: SavePipeline<ImageRow256>(bench, folder); break;
            default: throw ImageRow.UnsupportedSize(bench.Size);
        }
        return new JsonObject { ["folder"] = folder };
    }

    static void SavePipeline<TRow>(BenchNetwork bench, string folder) where TRow : ImageRow, new()
    {
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(BenchImages.Rows<TRow>(2, bench.Size, seed: 1), BenchImages.Schema<TRow>(bench.Size));
        var model = BenchImages.ExtractPixels(context)
            .Append(context.Segmentation().UNetSegment(new UNetSegmentOptions
            {
                Network = bench.Network, Trainer = { Epochs = 1, BatchSize = 2 }, ValidationFraction = 0,
            }))
            .Append(context.Segmentation().Threshold())
            .Fit(data);
        ((IEnumerable<ITransformer>)model).OfType<UNetSegmentTransformer>().Single().SaveOnnx(Path.Combine(folder, "model.onnx"));
        // No input schema: ML.NET cannot write an image column's type into a model zip.
        context.Model.Save(model, null, Path.Combine(folder, "pipeline.zip"));
    }

    static void WriteRawWeights(UNetNetwork network, string folder)
    {
        var manifest = new JsonArray();
        using var weights = File.Create(Path.Combine(folder, "weights.bin"));
        foreach (var (name, tensor) in network.state_dict())
        {
            if (tensor.dtype != ScalarType.Float32)
                continue;
            manifest.Add(new JsonObject { ["name"] = name, ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()) });
            weights.Write(MemoryMarshal.AsBytes(tensor.contiguous().data<float>().ToArray().AsSpan()));
        }
        File.WriteAllText(Path.Combine(folder, "manifest.json"), new JsonObject { ["tensors"] = manifest }.ToJsonString());
    }

    static void WriteFloats(string path, float[] values) => File.WriteAllBytes(path, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}
