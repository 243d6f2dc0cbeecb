using MLNet.UNet.Export;
using MLNet.UNet.Networks;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

/// <summary>Several networks in one ONNX graph that averages them, run in ONNX Runtime against each network alone.</summary>
public class ModelEnsembleTests
{
    static byte[] Network(int seed, int height = 16, int width = 24, int classes = 1)
    {
        random.manual_seed(seed);
        using var network = new UNetNetwork(new UNetOptions { Depth = 2, BaseFilters = 4, BatchNorm = true, InputChannels = 2, OutputClasses = classes });
        network.eval();
        return OnnxExporter.Export(network, new OnnxExportOptions { InputName = "Features", OutputName = "Probability", Height = height, Width = width });
    }

    [Fact]
    public void AnEnsembleOfTwoGivesTheMeanOfTheirOutputs()
    {
        byte[] first = Network(31), second = Network(32);
        var ensemble = ModelEnsemble.Average([first, second]);
        var input = Enumerable.Range(0, 2 * 2 * 16 * 24).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        var a = OnnxRuntimeRunner.Run(first, "Features", input, [2, 2, 16, 24], out _);
        var b = OnnxRuntimeRunner.Run(second, "Features", input, [2, 2, 16, 24], out _);
        var mean = OnnxRuntimeRunner.Run(ensemble, "Features", input, [2, 2, 16, 24], out var shape);
        Assert.Equal([2, 1, 16, 24], shape);
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the two networks should differ");
        Assert.All(Enumerable.Range(0, mean.Length), i => Assert.InRange(Math.Abs(mean[i] - (a[i] + b[i]) / 2), 0, 1e-6));
        Assert.Contains(Onnx.ModelProto.Parser.ParseFrom(ensemble).MetadataProps, p => p.Key == ModelEnsemble.MetadataKey && p.Value == "2");
        Assert.Contains(Onnx.ModelProto.Parser.ParseFrom(ensemble).MetadataProps, p => p.Key == OnnxExporter.NetworkOptionsKey);
    }

    [Fact]
    public void AModelOfSeveralClassesGivesOneClassToAnEnsembleOfOneClassModels()
    {
        byte[] organ = Network(31), organs = Network(32, classes: 3);
        var ensemble = ModelEnsemble.Average([organ, organs], [null, 2]);
        var input = Enumerable.Range(0, 2 * 2 * 16 * 24).Select(i => (float)Math.Cos(i * 0.29)).ToArray();
        var a = OnnxRuntimeRunner.Run(organ, "Features", input, [2, 2, 16, 24], out _);
        var b = OnnxRuntimeRunner.Run(organs, "Features", input, [2, 2, 16, 24], out var classShape);
        var mean = OnnxRuntimeRunner.Run(ensemble, "Features", input, [2, 2, 16, 24], out var shape);
        Assert.Equal([2, 3, 16, 24], classShape);
        Assert.Equal([2, 1, 16, 24], shape);
        const int plane = 16 * 24;
        // Pixel i of image n: the first model's probability and the second's class 2, averaged.
        Assert.All(Enumerable.Range(0, mean.Length), i =>
            Assert.InRange(Math.Abs(mean[i] - (a[i] + b[(i / plane * 3 + 2) * plane + i % plane]) / 2), 0, 1e-6));
        // The ensemble is described as the first model is, whose output it has.
        Assert.Equal(Onnx.ModelProto.Parser.ParseFrom(organ).MetadataProps.Single(p => p.Key == OnnxExporter.NetworkOptionsKey).Value,
            Onnx.ModelProto.Parser.ParseFrom(ensemble).MetadataProps.Single(p => p.Key == OnnxExporter.NetworkOptionsKey).Value);

        Assert.Contains("has the output 'Probability' [", Assert.Throws<ArgumentException>(() => ModelEnsemble.Average([organ, organs])).Message);
        Assert.Contains("is to give class 3, but its output is 'Probability' [N, 3,",
            Assert.Throws<ArgumentException>(() => ModelEnsemble.Average([organ, organs], [null, 3])).Message);
        Assert.Contains("Model 1 of the ensemble is to give class 1", Assert.Throws<ArgumentException>(() => ModelEnsemble.Average([organ, organs], [1, 2])).Message);
        Assert.Contains("Model 2 of the ensemble is to give class 0, but its output is 'Probability' [N, 1,", Assert.Throws<ArgumentException>(() => ModelEnsemble.Average([organ, organ, organs], [null, 0, null])).Message);
        Assert.Contains("one per model", Assert.Throws<ArgumentException>(() => ModelEnsemble.Average([organ, organs], [2])).Message);
    }

    [Fact]
    public void ModelsOfDifferentInputsOrOnlyOneAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelEnsemble.Average([Network(1), Network(2, height: 32)]));
        Assert.Contains("Model 2 of the ensemble has the input 'Features' [", error.Message);
        Assert.Contains("two models or more", Assert.Throws<ArgumentException>(() => ModelEnsemble.Average([Network(1)])).Message);
    }
}
