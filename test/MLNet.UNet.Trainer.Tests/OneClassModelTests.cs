using MLNet.UNet.Export;
using MLNet.UNet.Networks;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

/// <summary>One class of a network of several, as a one-class model, run in ONNX Runtime against the whole network.</summary>
public class OneClassModelTests
{
    static byte[] Network(int classes, int seed = 41)
    {
        random.manual_seed(seed);
        using var network = new UNetNetwork(new UNetOptions { Depth = 2, BaseFilters = 4, BatchNorm = true, InputChannels = 1, OutputClasses = classes });
        network.eval();
        return OnnxExporter.Export(network, new OnnxExportOptions { InputName = "Features", OutputName = "Probability", Height = 16, Width = 16 });
    }

    [Fact]
    public void TheClassModelGivesThatChannelOfTheNetworkUnderTheSameName()
    {
        var network = Network(classes: 4);
        var input = Enumerable.Range(0, 3 * 16 * 16).Select(i => (float)Math.Sin(i * 0.21)).ToArray();
        var all = OnnxRuntimeRunner.Run(network, "Features", input, [3, 1, 16, 16], out var allShape);
        const int plane = 16 * 16;
        foreach (int k in new[] { 1, 3 })
        {
            var taken = OneClassModel.Take(network, k);
            var one = OnnxRuntimeRunner.Run(taken, "Features", input, [3, 1, 16, 16], out var shape);
            Assert.Equal([3, 4, 16, 16], allShape);
            Assert.Equal([3, 1, 16, 16], shape);
            Assert.All(Enumerable.Range(0, one.Length), i => Assert.Equal(all[(i / plane * 4 + k) * plane + i % plane], one[i], 6));
            var model = Onnx.ModelProto.Parser.ParseFrom(taken);
            Assert.Equal("Probability", model.Graph.Output.Single().Name);
            Assert.Equal(k.ToString(), model.MetadataProps.Single(p => p.Key == OneClassModel.MetadataKey).Value);
        }
        // The classes differ, so the test above could tell a wrong channel.
        Assert.True(Enumerable.Range(0, plane).Max(i => Math.Abs(all[plane + i] - all[3 * plane + i])) > 1e-3);
    }

    [Fact]
    public void ABadClassOrAOneClassNetworkIsRefused()
    {
        var network = Network(classes: 3);
        Assert.Equal("classIndex", Assert.Throws<ArgumentOutOfRangeException>(() => OneClassModel.Take(network, 3)).ParamName);
        Assert.Contains("classes 0 to 2", Assert.Throws<ArgumentOutOfRangeException>(() => OneClassModel.Take(network, -1)).Message);
        Assert.Contains("network of several classes", Assert.Throws<ArgumentException>(() => OneClassModel.Take(Network(classes: 1), 0)).Message);
        Assert.Contains("output 'Probability' has [N, 1, 16, 16]", Assert.Throws<ArgumentException>(() => OneClassModel.Take(OneClassModel.Take(network, 1), 0)).Message);
    }
}
