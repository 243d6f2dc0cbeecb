using MLNet.UNet.Segment;
using Microsoft.ML;
using Xunit.Abstractions;

namespace MLNet.UNet.Tests;

/// <summary>
/// The GPU scoring options. Where ONNX Runtime's CUDA provider cannot be used (no GPU, or no CUDA 13): fall back to
/// the CPU when asked, fail clearly otherwise. Where it can, both score, and agree with the CPU.
/// </summary>
public sealed class GpuOptionTests(ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-gpu-tests-").FullName;

    [Fact]
    public void GpuWithFallbackScoresLikeTheCpuAndWithoutFallbackFailsBeforeTraining()
    {
        var rows = ShapePipeline.WriteImages(folder, 8, seed: 5);
        IDataView Data(MLContext context) => ShapePipeline.WithLabels(context, context.Data.LoadFromEnumerable(rows));

        var cpuContext = new MLContext(seed: 3);
        using var cpu = ShapePipeline.Pipeline(cpuContext, ShapePipeline.TinyOptions(epochs: 1)).Fit(Data(cpuContext));
        var expected = ShapePipeline.Column(cpu.Transform(Data(cpuContext)), "Probability");

        var gpuContext = new MLContext(seed: 3);
        var options = ShapePipeline.TinyOptions(epochs: 1);
        options.GpuDeviceId = 0;
        options.FallbackToCpu = true;
        using var gpu = ShapePipeline.Pipeline(gpuContext, options).Fit(Data(gpuContext));
        Assert.Equal(expected, ShapePipeline.Column(gpu.Transform(Data(gpuContext)), "Probability"));

        var strictContext = new MLContext(seed: 3);
        options.FallbackToCpu = false;
        if (CudaScoring)
        {
            using var strict = ShapePipeline.Pipeline(strictContext, options).Fit(Data(strictContext));
            AssertClose(expected, ShapePipeline.Column(strict.Transform(Data(strictContext)), "Probability"));
            return;
        }
        options.Progress = _ => Assert.Fail("training started although the GPU cannot be used");
        var error = Assert.ThrowsAny<Exception>(() => ShapePipeline.Pipeline(strictContext, options).Fit(Data(strictContext)));
        output.WriteLine(error.ToString());
        Assert.Contains("GpuDeviceId 0 was asked with FallbackToCpu = false", error.Message);
    }

    [Fact]
    public void ASavedModelScoresWhereTheLoadingContextSays()
    {
        var rows = ShapePipeline.WriteImages(folder, 8, seed: 6);
        var context = new MLContext(seed: 3);
        var data = ShapePipeline.WithLabels(context, context.Data.LoadFromEnumerable(rows));
        using var model = ShapePipeline.Pipeline(context, ShapePipeline.TinyOptions(epochs: 1)).Fit(data);
        var zip = Path.Combine(folder, "model.zip");
        context.Model.Save(model, data.Schema, zip);
        var expected = ShapePipeline.Column(model.Transform(data), "Probability");

        var fallback = new MLContext { GpuDeviceId = 0, FallbackToCpu = true };
        var loaded = fallback.Model.Load(zip, out _);
        using var loadedResources = (IDisposable)loaded;
        Assert.Equal(expected, ShapePipeline.Column(loaded.Transform(data), "Probability"));
        // Its failed load leaves ML.NET's temporary copy of the ONNX model behind, so it goes into this test's folder.
        var strict = new MLContext { GpuDeviceId = 0, FallbackToCpu = false, TempFilePath = folder };
        if (CudaScoring)
            AssertClose(expected, ShapePipeline.Column(strict.Model.Load(zip, out _).Transform(data), "Probability"));
        else
            Assert.ThrowsAny<Exception>(() => ShapePipeline.Column(strict.Model.Load(zip, out _).Transform(data), "Probability"));
    }

    // Decided by the machine, and said in the test output either way.
    bool CudaScoring
    {
        get
        {
            bool available = Hosting.GpuCheck.IsAvailable(0, out var reason);
            output.WriteLine(available ? "ONNX Runtime's CUDA provider works here: the strict GPU paths must score."
                : $"ONNX Runtime's CUDA provider cannot be used here ({reason}): the strict GPU paths must fail.");
            return available;
        }
    }

    // cuDNN's convolutions round differently from the CPU's.
    static void AssertClose(List<float[]> expected, List<float[]> actual)
    {
        var (want, got) = (expected.SelectMany(row => row).ToArray(), actual.SelectMany(row => row).ToArray());
        Assert.Equal(want.Length, got.Length);
        Assert.All(want.Zip(got), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1e-3));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
