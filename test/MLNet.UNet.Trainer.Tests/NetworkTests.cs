using MLNet.UNet.Kernels;
using MLNet.UNet.Networks;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

public class NetworkTests
{
    [Fact]
    public void SeedPresetForThreeChannelsHasTheKerasParameterCount()
    {
        using var network = new UNetNetwork(UNetOptions.Seed(inputChannels: 3));
        Assert.Equal(31_442_689, network.ParameterCount);
    }

    [Theory]
    [InlineData("small", 4, 16, true)]
    [InlineData("medium", 5, 24, true)]
    [InlineData("seed", 5, 32, false)]
    public void PresetsByNameHaveTheirDocumentedShape(string name, int depth, int baseFilters, bool batchNorm)
    {
        var network = UNetOptions.Preset(name, inputChannels: 3);
        Assert.Equal((depth, baseFilters, batchNorm, 3), (network.Depth, network.BaseFilters, network.BatchNorm, network.InputChannels));
        network.Validate();
        Assert.Contains(name, UNetOptions.PresetNames);
    }

    [Fact]
    public void UnknownPresetIsRefusedWithTheNamesThatExist()
    {
        var error = Assert.Throws<ArgumentException>(() => UNetOptions.Preset("large"));
        Assert.Contains("'large'", error.Message);
        Assert.Contains("small, medium, seed", error.Message);
    }

    [Theory]
    [InlineData(1, UpsamplingMode.Nearest, false)]
    [InlineData(2, UpsamplingMode.TransposedConvolution, true)]
    public void OutputHasOneChannelPerClassAndTheInputSize(int classes, UpsamplingMode upsampling, bool batchNorm)
    {
        using var network = new UNetNetwork(new UNetOptions
        {
            InputChannels = 2, OutputClasses = classes, Depth = 3, BaseFilters = 4, BatchNorm = batchNorm, Upsampling = upsampling,
        });
        using var scope = NewDisposeScope();
        var output = network.Predict(randn(3, 2, 16, 24));
        Assert.Equal(new long[] { 3, classes, 16, 24 }, output.shape);
        if (classes > 1)
            Assert.True(output.sum(1).sub(1).abs().max().item<float>() < 1e-5f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ChannelsLastGivesTheSameOutputAndGradientsAsChannelsFirst(bool batchNorm)
    {
        random.manual_seed(7);
        using var network = new UNetNetwork(new UNetOptions { InputChannels = 2, Depth = 3, BaseFilters = 8, BatchNorm = batchNorm });
        using var scope = NewDisposeScope();
        var input = randn(2, 2, 32, 32);
        (Tensor Output, Tensor[] Gradients) Run(bool channelsLast)
        {
            network.ChannelsLast = channelsLast;
            network.zero_grad();
            var output = network.forward(input);
            output.square().mean().backward();
            return (output.detach().contiguous(), network.parameters().Select(p => p.grad!.clone()).ToArray());
        }
        var (firstOutput, firstGradients) = Run(channelsLast: false);
        var (lastOutput, lastGradients) = Run(channelsLast: true);
        Assert.Equal(firstOutput.shape, lastOutput.shape);
        Assert.True(firstOutput.sub(lastOutput).abs().max().item<float>() < 1e-4f);
        for (int i = 0; i < firstGradients.Length; i++)
        {
            float scale = Math.Max(1e-3f, firstGradients[i].abs().max().item<float>());
            Assert.True(firstGradients[i].sub(lastGradients[i]).abs().max().item<float>() / scale < 1e-3f, $"gradient {i} differs");
        }
    }

    [Theory]
    [InlineData(false, false, null)]
    [InlineData(true, true, null)]
    [InlineData(true, true, ConvolutionRoute.Reference)] // the route taken where oneDNN is wrong, on every machine
    public void ForwardLeavesOnlyItsOutputAliveAndNeverDisposesTheInput(bool channelsLast, bool batchNorm, ConvolutionRoute? route)
    {
        using var network = new UNetNetwork(new UNetOptions { Depth = 3, BaseFilters = 4, BatchNorm = batchNorm, Dropout = 0.1 });
        network.ChannelsLast = channelsLast;
        network.eval();
        using var scope = NewDisposeScope();
        var input = randn(2, 1, 16, 16);
        int LiveTensors() => scope.DisposablesView.OfType<Tensor>().Count(t => !t.IsInvalid);
        int before = LiveTensors();
        using (ForcedRoute.Use(route))
        using (no_grad())
            network.forward(input);
        Assert.Equal(before + 1, LiveTensors());
        Assert.False(input.IsInvalid);
        Assert.Equal(512, input.numel());
    }

    [Fact]
    public void InputWithWrongChannelsOrSizeIsRefusedWithAClearMessage()
    {
        using var network = new UNetNetwork(new UNetOptions { InputChannels = 1, Depth = 3, BaseFilters = 4 });
        using var scope = NewDisposeScope();
        var channels = Assert.Throws<ArgumentException>(() => { network.forward(zeros(1, 3, 16, 16)); });
        Assert.Contains("3 channels", channels.Message);
        var size = Assert.Throws<ArgumentException>(() => { network.forward(zeros(1, 1, 20, 16)); });
        Assert.Contains("multiples of 2^Depth = 8", size.Message);
        var empty = Assert.Throws<ArgumentException>(() => { network.forward(zeros(0, 1, 16, 16)); });
        Assert.Contains("empty batch", empty.Message);
    }
}
