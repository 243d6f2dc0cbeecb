using MLNet.UNet.Export;
using MLNet.UNet.Networks;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

/// <summary>Test-time flips inside the ONNX graph, run in ONNX Runtime, against TorchSharp on flipped inputs.</summary>
public class TestTimeFlipsTests
{
    [Fact]
    public void TheWrappedModelGivesTheMeanOfTheUnflippedPredictionsOnTheFlippedImages()
    {
        random.manual_seed(11);
        using var network = new UNetNetwork(new UNetOptions { Depth = 2, BaseFilters = 4, BatchNorm = true, InputChannels = 2 });
        network.eval();
        var plain = OnnxExporter.Export(network, new OnnxExportOptions { InputName = "Features", OutputName = "Probability", Height = 16, Width = 24 });
        var wrapped = TestTimeFlips.Wrap(plain, FlipAxes.LeftRight | FlipAxes.TopBottom);

        using var scope = NewDisposeScope();
        var x = rand(3, 2, 16, 24);
        var input = x.data<float>().ToArray();
        long[][] flips = [[], [3], [2], [2, 3]];
        Tensor expected;
        using (no_grad())
            expected = stack(flips.Select(dims => dims.Length == 0 ? network.Predict(x) : network.Predict(x.flip(dims)).flip(dims)).ToArray()).mean([0]);

        var actual = OnnxRuntimeRunner.Run(wrapped, "Features", input, [3, 2, 16, 24], out var shape);
        var unwrapped = OnnxRuntimeRunner.Run(plain, "Features", input, [3, 2, 16, 24], out _);
        Assert.Equal([3, 1, 16, 24], shape);
        var want = expected.data<float>().ToArray();
        Assert.All(want.Zip(actual), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1e-5));
        // A network with random weights is not symmetric: the flips change the result, so the wrapper did its work.
        Assert.True(want.Zip(unwrapped).Max(pair => Math.Abs(pair.First - pair.Second)) > 1e-4);
    }

    [Fact]
    public void OneAxisAveragesTwoPasses()
    {
        random.manual_seed(12);
        using var network = new UNetNetwork(new UNetOptions { Depth = 2, BaseFilters = 4 });
        network.eval();
        var wrapped = TestTimeFlips.Wrap(OnnxExporter.Export(network, new OnnxExportOptions { Height = 8, Width = 16 }), FlipAxes.LeftRight);
        using var scope = NewDisposeScope();
        var x = rand(2, 1, 8, 16);
        Tensor expected;
        using (no_grad())
            expected = network.Predict(x).add(network.Predict(x.flip(3)).flip(3)).div(2);
        var actual = OnnxRuntimeRunner.Run(wrapped, "input", x.data<float>().ToArray(), [2, 1, 8, 16], out _);
        Assert.All(expected.data<float>().ToArray().Zip(actual), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1e-5));
    }

    [Fact]
    public void AWrappedModelIsNotWrappedTwice()
    {
        using var network = new UNetNetwork(new UNetOptions { Depth = 2, BaseFilters = 4 });
        var wrapped = TestTimeFlips.Wrap(OnnxExporter.Export(network, new OnnxExportOptions { Height = 8, Width = 8 }), FlipAxes.TopBottom);
        Assert.Contains("already averages", Assert.Throws<ArgumentException>(() => TestTimeFlips.Wrap(wrapped, FlipAxes.TopBottom)).Message);
    }
}
