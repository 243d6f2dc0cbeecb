using MLNet.UNet.Data;
using MLNet.UNet.Networks;
using MLNet.UNet.Runtime;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;
using TorchSharp;
using Xunit.Abstractions;

namespace MLNet.UNet.Tests;

/// <summary>
/// The training device. The device is a value passed everywhere, so these run the same code path on a CPU-only
/// machine as on one with CUDA; where a test's expectation depends on the machine, it switches and says so.
/// </summary>
public sealed class DeviceTests(ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-device-tests-").FullName;

    static UNetOptions Tiny => new() { Depth = 2, BaseFilters = 4, BatchNorm = true };

    static TrainerOptions Quick(TrainingDevice device) => new()
    {
        Epochs = 2, BatchSize = 4, LearningRate = 1e-2, Seed = 4, Optimizer = OptimizerKind.AdamW, WeightAveragingDecay = 0.9, Device = device,
        Augmentation = new AugmentationOptions
        {
            AffineProbability = 0.5, ElasticProbability = 0.5, GammaProbability = 0.5, NoiseProbability = 0.5, RegionIntensityProbability = 0.5,
            InvertedGammaProbability = 0.5, BiasFieldProbability = 0.5, HistogramShiftProbability = 0.5,
        },
    };

    [Theory]
    [InlineData("auto", TrainingDeviceKind.Auto, 0, "auto")]
    [InlineData(" CPU ", TrainingDeviceKind.Cpu, 0, "cpu")]
    [InlineData("cuda", TrainingDeviceKind.Cuda, 0, "cuda:0")]
    [InlineData("Cuda:3", TrainingDeviceKind.Cuda, 3, "cuda:3")]
    public void EveryFormParsesAndWritesBack(string text, TrainingDeviceKind kind, int index, string written)
    {
        var device = TrainingDevice.Parse(text);
        Assert.Equal((kind, index, written), (device.Kind, device.Index, device.ToString()));
        Assert.Equal(device, TrainingDevice.Parse(device.ToString()));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void AnythingElseIsRefusedWithWhatIsAccepted(string text)
    {
        var error = Assert.Throws<FormatException>(() => TrainingDevice.Parse(text));
        Assert.Contains("expected auto, cpu, cuda or cuda:N", error.Message);
    }

    [Fact]
    public void TheNetworkAndItsStateLiveOnTheResolvedDeviceAndAutoMeansCpuOnlyWithoutCuda()
    {
        bool cuda = TrainingDevice.CudaAvailable;
        output.WriteLine(cuda ? "CUDA is available: Auto must train there." : "CUDA is not available: Auto must train on the CPU, exactly as Cpu does.");
        using var data = SyntheticShapes.Dataset(12, 32, 32, seed: 3);
        using var validation = SyntheticShapes.Dataset(4, 32, 32, seed: 4);

        using var auto = new UNetTrainer(Tiny, Quick(TrainingDevice.Auto));
        var autoResult = auto.Fit(data, validation);
        Assert.Equal(cuda ? DeviceType.CUDA : DeviceType.CPU, auto.Device.type);
        Assert.All(auto.Network.state_dict().Values, tensor => Assert.Equal(auto.Device.type, tensor.device_type));

        using var cpu = new UNetTrainer(Tiny, Quick(TrainingDevice.Cpu));
        var cpuResult = cpu.Fit(data, validation);
        Assert.Equal(DeviceType.CPU, cpu.Device.type);
        if (!cuda)
            Assert.Equal(autoResult.History.Select(e => e.TrainingLoss), cpuResult.History.Select(e => e.TrainingLoss));
    }

    [Fact]
    public void CudaFailsBeforeTrainingWhereItCannotBeUsedAndACheckpointResumesOnTheCpu()
    {
        using var data = SyntheticShapes.Dataset(12, 32, 32, seed: 5);
        var path = Path.Combine(folder, "run.ckpt");
        if (!TrainingDevice.CudaAvailable)
        {
            output.WriteLine("CUDA is not available: asking for it must fail before training, with the reason.");
            var error = Assert.Throws<InvalidOperationException>(() => new UNetTrainer(Tiny, Quick(TrainingDevice.Cuda(0))));
            Assert.Contains("TorchSharp reports CUDA not available", error.Message);
            Assert.Contains(TorchBackend.CpuPackage, error.Message);
            // The same device-independent path on the CPU: a checkpoint written under one device setting resumes under another.
            using (var first = new UNetTrainer(Tiny, Quick(TrainingDevice.Cpu)))
                first.Fit(data, checkpointPath: path);
        }
        else
        {
            output.WriteLine("CUDA is available: a checkpoint written on the GPU must resume on the CPU.");
            int count = (int)torch.cuda.device_count();
            Assert.Contains($"has {count} CUDA device(s)", Assert.Throws<InvalidOperationException>(() => new UNetTrainer(Tiny, Quick(TrainingDevice.Cuda(count)))).Message);
            using var first = new UNetTrainer(Tiny, Quick(TrainingDevice.Cuda(0)));
            first.Fit(data, checkpointPath: path);
        }

        using var resumed = UNetTrainer.LoadCheckpoint(path, epochs: 3, device: TrainingDevice.Cpu);
        Assert.Equal(TrainingDevice.Cpu, resumed.Options.Device);
        Assert.All(resumed.Network.state_dict().Values, tensor => Assert.Equal(DeviceType.CPU, tensor.device_type));
        var result = resumed.Fit(data);
        Assert.Equal(3, result.History.Count);
        Assert.All(result.History, epoch => Assert.True(double.IsFinite(epoch.TrainingLoss)));

        using var asSaved = UNetTrainer.LoadCheckpoint(path);
        Assert.Equal(TrainingDevice.CudaAvailable ? TrainingDevice.Cuda(0) : TrainingDevice.Cpu, asSaved.Options.Device);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
