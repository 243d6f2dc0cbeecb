using MLNet.UNet.Export;
using MLNet.UNet.Networks;
using Onnx;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

public class OnnxExportTests
{
    public static TheoryData<string, UNetOptions> Variants => new()
    {
        { "seed preset", UNetOptions.Seed(inputChannels: 1) },
        { "batch norm", new UNetOptions { InputChannels = 3, Depth = 4, BaseFilters = 8, BatchNorm = true } },
        { "transposed upsampling", new UNetOptions { Depth = 4, BaseFilters = 8, Upsampling = UpsamplingMode.TransposedConvolution } },
        { "depth 3", new UNetOptions { Depth = 3, BaseFilters = 16 } },
        { "2 classes", new UNetOptions { OutputClasses = 2, Depth = 4, BaseFilters = 8, BatchNorm = true, Dropout = 0.3 } },
        { "deep supervision", new UNetOptions { OutputClasses = 2, Depth = 4, BaseFilters = 8, BatchNorm = true, DeepSupervisionOutputs = 2 } },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void OnnxRuntimeOutputMatchesTorchSharp(string variant, UNetOptions options)
    {
        manual_seed(11);
        using var network = new UNetNetwork(options);
        if (options.BatchNorm)
            RandomizeNormStatistics(network);
        network.eval();
        const int batch = 2, size = 64;
        using var scope = NewDisposeScope();
        var input = randn(batch, options.InputChannels, size, size);
        float[] expected;
        using (no_grad())
            expected = network.Predict(input).contiguous().data<float>().ToArray();

        foreach (bool fold in new[] { true, false })
        {
            var model = OnnxExporter.Export(network, new OnnxExportOptions { InputName = "pixels", OutputName = "probability", FoldBatchNorm = fold });
            var actual = OnnxRuntimeRunner.Run(model, "pixels", input.data<float>().ToArray(),
                [batch, options.InputChannels, size, size], out var shape);
            Assert.Equal(new[] { batch, options.OutputClasses, size, size }, shape);
            double maxDifference = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(maxDifference <= 1e-4, $"{variant} (fold {fold}): max |ONNX - TorchSharp| = {maxDifference:E2}");
            if (!options.BatchNorm)
                break;
        }
    }

    [Fact]
    public void FixedDimensionsAndOpsetAreWrittenAsAsked()
    {
        using var network = new UNetNetwork(new UNetOptions { Depth = 2, BaseFilters = 4 });
        var bytes = OnnxExporter.Export(network, new OnnxExportOptions { BatchSize = 1, Height = 32, Width = 48, Opset = 19 });
        var model = ModelProto.Parser.ParseFrom(bytes);
        Assert.Equal(19, model.OpsetImport.Single().Version);
        Assert.True(model.IrVersion <= 13);
        var dims = model.Graph.Input.Single().Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray();
        Assert.Equal(new long[] { 1, 1, 32, 48 }, dims);
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "Dropout");

        var symbolic = ModelProto.Parser.ParseFrom(OnnxExporter.Export(network));
        Assert.Equal(new[] { "N", "", "H", "W" }, symbolic.Graph.Input.Single().Type.TensorType.Shape.Dim.Select(d => d.DimParam));
    }

    [Fact]
    public void BadExportOptionsAreRefusedWithTheirName()
    {
        using var network = new UNetNetwork(new UNetOptions { Depth = 3, BaseFilters = 4 });
        var height = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(network, new OnnxExportOptions { Height = 20 }));
        Assert.Contains("Height", height.Message);
        var opset = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(network, new OnnxExportOptions { Opset = 12 }));
        Assert.Contains("Opset", opset.Message);
    }

    static void RandomizeNormStatistics(UNetNetwork network)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, buffer) in network.named_buffers())
        {
            if (name.EndsWith("running_mean"))
                buffer.copy_(randn_like(buffer).mul(0.1));
            else if (name.EndsWith("running_var"))
                buffer.copy_(rand_like(buffer).add(0.5));
        }
        foreach (var (name, parameter) in network.named_parameters())
            if (name.Contains("norm") && name.EndsWith("weight"))
                parameter.copy_(rand_like(parameter).add(0.5));
    }
}
