using System.Text;
using MLNet.UNet.Data;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

/// <summary>Checkpoints written before weight averaging (format version 1) still load and resume.</summary>
public sealed class CheckpointFormatTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-checkpoint-format-").FullName;

    static UNetOptions Tiny => new() { Depth = 2, BaseFilters = 4, BatchNorm = true };

    // Best weights kept (validation data given) and no weight averaging, as version 1 wrote.
    static TrainerOptions Plain(int epochs) => new()
    {
        Epochs = epochs, BatchSize = 4, LearningRate = 1e-2, Seed = 3, Optimizer = OptimizerKind.AdamW,
        Schedule = LearningRateSchedule.Cosine, WeightAveragingDecay = null, KeepBestModel = true,
    };

    [Fact]
    public void VersionOneCheckpointResumesLikeTheCurrentFormat()
    {
        using var data = SyntheticShapes.Dataset(12, 32, 32, seed: 8);
        using var validation = SyntheticShapes.Dataset(4, 32, 32, seed: 9);
        var current = Path.Combine(folder, "current.ckpt");
        using (var trainer = new UNetTrainer(Tiny, Plain(3)))
        {
            using var stop = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(data, validation,
                p => { if (p.EpochCompleted && p.Epoch == 1) stop.Cancel(); }, stop.Token, checkpointPath: current));
        }
        var versionOne = Path.Combine(folder, "version1.ckpt");
        File.WriteAllBytes(versionOne, AsVersionOne(File.ReadAllBytes(current)));

        using var fromCurrent = UNetTrainer.LoadCheckpoint(current);
        using var fromVersionOne = UNetTrainer.LoadCheckpoint(versionOne);
        Assert.Equal(fromCurrent.History, fromVersionOne.History);
        var expected = fromCurrent.Fit(data, validation);
        var actual = fromVersionOne.Fit(data, validation);

        Assert.Equal(3, actual.History.Count);
        Assert.Equal(expected.History.Select(e => e.TrainingLoss), actual.History.Select(e => e.TrainingLoss));
        Assert.Equal(expected.BestEpoch, actual.BestEpoch);
        Assert.Equal(expected.BestValidationDice, actual.BestValidationDice);
        using var scope = NewDisposeScope();
        var weights = fromVersionOne.Network.state_dict();
        foreach (var (name, value) in fromCurrent.Network.state_dict())
            Assert.True(value.eq(weights[name]).all().item<bool>(), $"{name} differs");
    }

    // Version 1 is version 2 without the averaged-weights section: the same header with version 1, the JSON, the
    // network, the best weights, then the optimizer state.
    static byte[] AsVersionOne(byte[] current)
    {
        using var reader = new BinaryReader(new MemoryStream(current), Encoding.UTF8);
        reader.ReadString();
        long versionAt = reader.BaseStream.Position;
        Assert.Equal(2, reader.ReadInt32());
        reader.ReadString();
        using (var network = new UNetNetwork(Tiny))
        using (NewDisposeScope())
        {
            network.load(reader);
            Assert.True(reader.ReadBoolean());
            var shapes = network.state_dict();
            int count = reader.ReadInt32();
            for (int i = 0; i < count; i++)
                zeros_like(shapes[reader.ReadString()]).Load(reader);
        }
        long averagedFlagAt = reader.BaseStream.Position;
        Assert.False(reader.ReadBoolean());
        var result = current.Take((int)averagedFlagAt).Concat(current.Skip((int)averagedFlagAt + 1)).ToArray();
        BitConverter.GetBytes(1).CopyTo(result, versionAt);
        return result;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
