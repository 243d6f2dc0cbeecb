using MLNet.UNet.Data;
using MLNet.UNet.Losses;
using MLNet.UNet.Metrics;
using MLNet.UNet.Networks;
using static TorchSharp.torch;

namespace MLNet.UNet.Training;

/// <summary>
/// The loss and Dice of a network on a dataset, in evaluation mode and without gradients: what training validates each
/// epoch on and <see cref="UNetTrainer.Evaluate"/> reports. The network's training mode is put back afterwards.
/// </summary>
internal static class DatasetMeasure
{
    /// <summary>
    /// The mean loss, the mean Dice over the foreground classes and each class's Dice. The Dice is the mean of the
    /// images' or, with <see cref="TrainerOptions.PooledValidationDice"/>, pooled over the dataset; with
    /// <see cref="TrainerOptions.PatchSize"/>, images larger than a patch are measured over the patches that tile them.
    /// </summary>
    public static (double Loss, double Dice, double[] DicePerClass) Of(UNetNetwork network, LossFunction loss, TrainerOptions options,
        Device device, SegmentationDataset data, int batchSize)
    {
        if (options.PatchSize is { } patch && (data.Height != patch || data.Width != patch))
        {
            using var tiles = Patches.Tiles(data, patch);
            return Of(network, loss, options, device, tiles, batchSize);
        }
        bool wasTraining = network.training;
        network.eval();
        double lossSum = 0;
        var diceSums = new double[Math.Max(1, network.Options.OutputClasses - 1)];
        Tensor? counts = null;
        try
        {
            using var noGrad = no_grad();
            for (int start = 0; start < data.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(batchSize, data.Count - start);
                var (images, masks) = data.Batch(arange(start, start + count, ScalarType.Int64), device);
                var logits = network.forward(images);
                lossSum += loss.Compute(logits, masks).item<float>() * count;
                if (options.PooledValidationDice)
                {
                    var batchCounts = DiceScore.Counts(logits, masks);
                    var sum = counts is null ? batchCounts : counts.add(batchCounts);
                    counts?.Dispose();
                    counts = sum.MoveToOuterDisposeScope();
                }
                else
                {
                    var sums = DiceScore.PerImageAndClass(logits, masks).sum([0]).data<double>().ToArray();
                    for (int c = 0; c < diceSums.Length; c++)
                        diceSums[c] += sums[c];
                }
            }
            var perClass = counts is null ? Array.ConvertAll(diceSums, sum => sum / data.Count) : DiceScore.PooledPerClass(counts);
            return (lossSum / data.Count, perClass.Average(), perClass);
        }
        finally
        {
            counts?.Dispose();
            network.train(wasTraining);
        }
    }
}
