using System.Diagnostics;
using MLNet.UNet.Checkpoints;
using MLNet.UNet.Data;
using MLNet.UNet.Losses;
using MLNet.UNet.Networks;
using MLNet.UNet.Runtime;
using MLNet.UNet.Transforms;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.UNet.Training;

/// <summary>
/// Trains a <see cref="UNetNetwork"/> on a <see cref="SegmentationDataset"/>: shuffled mini-batches, on-the-fly
/// augmentation, Adam or AdamW with a learning-rate schedule, an optional moving average of the weights, validation
/// Dice after each epoch, best-model keeping and early stopping. Every step runs in its own TorchSharp dispose scope. A trainer can be saved as a checkpoint
/// and resumed; a resumed run repeats the uninterrupted one, because each epoch reseeds from (seed, epoch).
/// </summary>
public sealed class UNetTrainer : IDisposable
{
    readonly TrainingState state;
    readonly OptimizerHelper optimizer;
    readonly LossFunction loss;
    Dictionary<string, Tensor>? bestWeights;
    WeightAverage? average;
    bool holdsBestWeights;

    /// <summary>Creates a network with freshly initialized weights (from the seed) and its optimizer.</summary>
    public UNetTrainer(UNetOptions network, TrainerOptions options)
        : this(NewState(network, options))
    {
    }

    UNetTrainer(TrainingState state)
    {
        state.Network.Validate();
        state.Trainer.Validate();
        this.state = state;
        TorchRuntime.EnsureInitialized();
        Device = state.Trainer.Device.Resolve();
        Seed(state.Trainer.Seed!.Value);
        Network = new UNetNetwork(state.Network);
        Network.to(Device);
        var parameters = Network.parameters();
        optimizer = state.Trainer.Optimizer == OptimizerKind.AdamW
            ? (OptimizerHelper)
              optim.AdamW(parameters, state.Trainer.LearningRate, weight_decay: state.Trainer.WeightDecay)
            : optim.Adam(parameters, state.Trainer.LearningRate, weight_decay: state.Trainer.WeightDecay);
        loss = new LossFunction(state.Trainer.Loss, state.Trainer.CrossEntropyWeight, state.Trainer.DiceWeight, state.Trainer.BatchDice);
    }

    /// <summary>The network being trained.</summary>
    public UNetNetwork Network { get; }

    /// <summary>The device the network, batches and weight copies live on (<see cref="TrainerOptions.Device"/>, resolved).</summary>
    public Device Device { get; }

    /// <summary>The trainer's options (with the seed filled in when none was given).</summary>
    public TrainerOptions Options => state.Trainer;

    /// <summary>Epochs trained so far.</summary>
    public IReadOnlyList<EpochSummary> History => state.History;

    /// <summary>Epoch with the best validation Dice so far, 0 if none.</summary>
    public int BestEpoch => state.BestEpoch;

    /// <summary>Best validation Dice so far.</summary>
    public double? BestValidationDice => state.BestValidationDice;

    /// <summary>
    /// Trains from the next epoch up to <see cref="TrainerOptions.Epochs"/>. Throws
    /// <see cref="OperationCanceledException"/> when cancelled (between steps) and
    /// <see cref="NonFiniteLossException"/> when the loss or gradients stop being finite.
    /// </summary>
    /// <param name="training">Training samples.</param>
    /// <param name="validation">Validation samples, for the Dice, best-model keeping and early stopping.</param>
    /// <param name="progress">Called after every step and at the end of every epoch, on the training thread.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <param name="checkpointPath">If given, a checkpoint is written there (atomically) after every epoch.</param>
    public TrainingResult Fit(SegmentationDataset training, SegmentationDataset? validation = null,
        Action<TrainingProgress>? progress = null, CancellationToken cancellationToken = default, string? checkpointPath = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        CheckMatches(training, "training");
        if (validation is not null)
            CheckMatches(validation, "validation");
        TorchRuntime.EnsureInitialized();
        // Trained on patches, the network is validated on fixed patches too: the whole images need not fit its size rule.
        using var validationTiles = validation is not null && state.Trainer.PatchSize is { } patch ? Patches.Tiles(validation, patch) : null;
        validation = validationTiles ?? validation;
        if (Device.type == DeviceType.CPU)
            Network.PrepareConvolutionRoutes(); // checks new shapes now, not inside the first timed step

        var options = state.Trainer;
        var scheduler = new LearningRateScheduler(options, state.LearningRate, state.PlateauBest, state.PlateauEpochsWithoutImprovement);
        var augmenter = options.Augmentation.Enabled ? new Augmenter(options.Augmentation) : null;
        int samples = training.SamplesPerEpoch;
        int batchSize = Math.Min(options.BatchSize, samples);
        int stepsPerEpoch = StepsPerEpoch(samples, batchSize);
        long totalSteps = (long)stepsPerEpoch * options.Epochs;
        var clock = Stopwatch.StartNew();
        double secondsBefore = state.TrainingSeconds;
        double Elapsed() => secondsBefore + clock.Elapsed.TotalSeconds;
        double BudgetUsed() => options.TimeBudget is { } budget ? Elapsed() / budget.TotalSeconds : 0;
        var stopReason = StopReason.Completed;
        if (options.WeightAveragingDecay is { } decay)
            average ??= WeightAverage.Start(Network, decay);

        for (int epoch = state.CompletedEpochs + 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var epochClock = Stopwatch.StartNew();
            int epochSeed = EpochSeed(options.Seed!.Value, epoch);
            var epochRandom = new Random(epochSeed);
            Seed(epochSeed);
            Network.train();
            var order = training.EpochOrder(epochRandom);
            double lossSum = 0;
            for (int step = 1; step <= stepsPerEpoch; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long globalStep = (long)(epoch - 1) * stepsPerEpoch + step - 1;
                double rate = scheduler.AtStep(globalStep, totalSteps, BudgetUsed());
                foreach (var group in optimizer.ParamGroups)
                    group.LearningRate = rate;
                var indices = Array.ConvertAll(order.AsSpan((step - 1) * batchSize, Math.Min(batchSize, samples - (step - 1) * batchSize)).ToArray(), i => (long)i);
                long stepStart = Stopwatch.GetTimestamp();
                double stepLoss = TrainStep(training, indices, augmenter, epochRandom, epoch, step, out double dataSeconds);
                double stepSeconds = Stopwatch.GetElapsedTime(stepStart).TotalSeconds;
                lossSum += stepLoss;
                if (progress is not null)
                {
                    double seconds = epochClock.Elapsed.TotalSeconds;
                    double perStep = seconds / step;
                    progress(new TrainingProgress
                    {
                        Epoch = epoch, Epochs = options.Epochs, Step = step, StepsPerEpoch = stepsPerEpoch, Loss = stepLoss,
                        StepSeconds = stepSeconds, DataSeconds = dataSeconds,
                        ValidationDice = state.History.LastOrDefault()?.ValidationDice, LearningRate = rate,
                        ImagesPerSecond = step * batchSize / Math.Max(seconds, 1e-9),
                        TimeRemaining = Remaining(perStep * ((options.Epochs - epoch) * stepsPerEpoch + stepsPerEpoch - step), Elapsed()),
                    });
                }
            }
            double trainingSeconds = epochClock.Elapsed.TotalSeconds;

            var (validationLoss, validationDice, perClass) = validation is null ? (null, null, null) : EvaluateAveraged(validation, batchSize);
            var summary = new EpochSummary(epoch, lossSum / stepsPerEpoch, validationLoss, validationDice, scheduler.Current,
                epochClock.Elapsed, stepsPerEpoch * batchSize / Math.Max(trainingSeconds, 1e-9), Network.Options.OutputClasses > 1 ? perClass : null);
            state.History.Add(summary);
            if (validationDice is { } dice && (state.BestValidationDice is null || dice > state.BestValidationDice + options.MinImprovement))
            {
                state.BestValidationDice = dice;
                state.BestEpoch = epoch;
                if (options.KeepBestModel)
                    SnapshotBestWeights();
            }
            state.AveragedSteps = average?.Updates ?? 0;
            state.TrainingSeconds = Elapsed();
            scheduler.EndEpoch(validationDice ?? -summary.TrainingLoss);
            state.LearningRate = scheduler.Current;
            state.PlateauBest = scheduler.BestMonitored;
            state.PlateauEpochsWithoutImprovement = scheduler.EpochsWithoutImprovement;
            if (checkpointPath is not null)
                SaveCheckpoint(checkpointPath);

            progress?.Invoke(new TrainingProgress
            {
                EpochCompleted = true, Epoch = epoch, Epochs = options.Epochs, Step = stepsPerEpoch, StepsPerEpoch = stepsPerEpoch,
                Loss = summary.TrainingLoss, ValidationDice = validationDice, ValidationDicePerClass = summary.ValidationDicePerClass, LearningRate = scheduler.Current,
                ImagesPerSecond = summary.ImagesPerSecond,
                TimeRemaining = Remaining(epochClock.Elapsed.TotalSeconds * (options.Epochs - epoch), Elapsed()),
            });

            if (options.EarlyStoppingPatience is { } patience && validationDice is not null && epoch - state.BestEpoch >= patience)
            {
                stopReason = StopReason.EarlyStopping;
                break;
            }
            if (BudgetUsed() >= 1)
            {
                stopReason = epoch < options.Epochs ? StopReason.TimeBudget : StopReason.Completed;
                break;
            }
        }

        if (options.KeepBestModel && bestWeights is not null)
            RestoreBestWeights();
        else
            average?.CopyTo(Network);
        return new TrainingResult(state.History.ToArray(), state.BestEpoch, state.BestValidationDice, stopReason);
    }

    // The epochs left at the current pace, or the time budget left if that is sooner.
    TimeSpan Remaining(double secondsForEpochsLeft, double elapsedSeconds) => TimeSpan.FromSeconds(
        state.Trainer.TimeBudget is { } budget ? Math.Clamp(budget.TotalSeconds - elapsedSeconds, 0, secondsForEpochsLeft) : secondsForEpochsLeft);

    double TrainStep(SegmentationDataset training, long[] indices, Augmenter? augmenter, Random epochRandom, int epoch, int step,
        out double dataSeconds)
    {
        using var scope = NewDisposeScope();
        long dataStart = Stopwatch.GetTimestamp();
        var batchIndices = tensor(indices);
        var (images, masks) = training.Batch(batchIndices, Device);
        var regions = augmenter is null ? null : training.RegionBatch(batchIndices, Device);
        var fractions = training.FractionBatch(batchIndices, Device);
        if (state.Trainer.PatchSize is { } patch)
            (images, masks, regions, fractions) = Patches.RandomCrops(images, masks, regions, fractions, patch, epochRandom);
        if (augmenter is not null && fractions is not null)
            (images, masks, fractions) = augmenter.Apply(images, masks, fractions, epochRandom, regions);
        else if (augmenter is not null)
            (images, masks) = augmenter.Apply(images, masks, epochRandom, regions);
        dataSeconds = Stopwatch.GetElapsedTime(dataStart).TotalSeconds;
        optimizer.zero_grad();
        Tensor lossValue;
        // Label fractions, where the data has them, are the target in place of the masks.
        if (Network.Options.DeepSupervisionOutputs > 0)
        {
            var (logits, lowerLevels) = Network.ForwardDeeplySupervised(images);
            lossValue = fractions is null
                ? DeepSupervisionLoss.Compute(loss, logits, lowerLevels, masks)
                : DeepSupervisionLoss.ComputeOnFractions(loss, logits, lowerLevels, fractions);
        }
        else
            lossValue = fractions is null ? loss.Compute(Network.forward(images), masks) : loss.ComputeOnFractions(Network.forward(images), fractions);
        double value = lossValue.item<float>();
        if (!double.IsFinite(value))
            throw new NonFiniteLossException(epoch, step, value, double.NaN, state.History.ToArray());
        lossValue.backward();
        double gradientNorm = state.Trainer.MaxGradientNorm is { } maxNorm
            ? nn.utils.clip_grad_norm_(Network.parameters(), maxNorm)
            : stack(Network.parameters().Where(p => p.grad is not null).Select(p => p.grad!.norm()).ToArray()).norm().item<float>();
        if (!double.IsFinite(gradientNorm))
            throw new NonFiniteLossException(epoch, step, value, gradientNorm, state.History.ToArray());
        optimizer.step();
        holdsBestWeights = false;
        average?.Update(Network);
        return value;
    }

    // Validation sees the averaged weights when there are any; training then goes on from the raw ones.
    (double? Loss, double? Dice, double[]? DicePerClass) EvaluateAveraged(SegmentationDataset validation, int batchSize)
    {
        using var averaged = average?.Apply(Network);
        return Measure(validation, batchSize);
    }

    /// <summary>
    /// Mean loss and Dice of the network on a dataset, in evaluation mode; the Dice is the mean of the images' or, with
    /// <see cref="TrainerOptions.PooledValidationDice"/>, pooled over the dataset. With <see cref="TrainerOptions.PatchSize"/>,
    /// over the patches that tile each image.
    /// </summary>
    public (double? Loss, double? Dice) Evaluate(SegmentationDataset data, int batchSize)
    {
        var (loss, dice, _) = Measure(data, batchSize);
        return (loss, dice);
    }

    // Evaluate's loss and Dice, with the Dice of each foreground class.
    (double? Loss, double? Dice, double[]? DicePerClass) Measure(SegmentationDataset data, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckMatches(data, "evaluation");
        return DatasetMeasure.Of(Network, loss, state.Trainer, Device, data, batchSize);
    }

    /// <summary>
    /// Puts the weights of the best validation epoch into <see cref="Network"/>; returns false (and changes nothing)
    /// when there are none (no validation data, or <see cref="TrainerOptions.KeepBestModel"/> off).
    /// </summary>
    public bool UseBestWeights()
    {
        if (bestWeights is null)
            return false;
        RestoreBestWeights();
        return true;
    }

    /// <summary>
    /// Puts into <see cref="Network"/> the weights training ended with, as a run that keeps no best epoch ends: the moving
    /// average of the weights when training kept one (<see cref="TrainerOptions.WeightAveragingDecay"/>), else the last
    /// step's. A trainer loaded with <see cref="LoadCheckpoint"/> holds both these and the best epoch's, so either can be
    /// exported.
    /// </summary>
    /// <exception cref="InvalidOperationException">The last step's weights were replaced by the best epoch's and no average was kept.</exception>
    public void UseLastWeights()
    {
        if (average is not null)
            average.CopyTo(Network);
        else if (holdsBestWeights)
            throw new InvalidOperationException("The network holds the best epoch's weights and training kept no average of the weights: the last step's are gone. Load the checkpoint again.");
    }

    /// <summary>Writes network, optimizer state, best weights, options and history atomically to <paramref name="path"/>.</summary>
    public void SaveCheckpoint(string path) => CheckpointFile.Save(path, state, Network, optimizer, bestWeights, average?.Values);

    /// <summary>Loads a checkpoint written by <see cref="SaveCheckpoint"/>; <see cref="Fit"/> then continues after its last epoch.</summary>
    /// <param name="path">Checkpoint file.</param>
    /// <param name="epochs">If given, replaces the planned number of epochs (to train longer than first planned).</param>
    /// <param name="device">If given, replaces the device the checkpoint was trained on (a GPU run resumes on a CPU).</param>
    public static UNetTrainer LoadCheckpoint(string path, int? epochs = null, TrainingDevice? device = null)
    {
        var contents = CheckpointFile.Load(path);
        if (epochs is { } total)
            contents.State.Trainer.Epochs = total;
        if (device is { } chosen)
            contents.State.Trainer.Device = chosen;
        var trainer = new UNetTrainer(contents.State);
        try
        {
            contents.RestoreNetwork(trainer.Network);
            trainer.bestWeights = contents.RestoreBest(trainer.Network);
            if (contents.RestoreAveraged(trainer.Network) is { } averaged)
            {
                if (contents.State.Trainer.WeightAveragingDecay is not { } decay)
                {
                    WeightSet.Dispose(averaged);
                    throw new InvalidDataException($"'{path}' holds averaged weights but no WeightAveragingDecay in its options.");
                }
                trainer.average = WeightAverage.Resume(averaged, decay, contents.State.AveragedSteps);
            }
            contents.RestoreOptimizer(trainer.optimizer);
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    // The CPU generator draws weights and augmentation noise on the CPU; a GPU has its own generator.
    void Seed(int seed)
    {
        random.manual_seed(seed);
        if (Device.type == DeviceType.CUDA)
            cuda.manual_seed_all(seed);
    }

    // Stable across processes (HashCode.Combine is not), so that a run resumed in another process repeats.
    static int EpochSeed(int seed, int epoch)
    {
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    static int StepsPerEpoch(int count, int batchSize)
    {
        int steps = (count + batchSize - 1) / batchSize;
        // A last batch of one image would make batch norm fail at the 1 x 1 bottom; it is folded into the next epoch's shuffle.
        return count % batchSize == 1 && steps > 1 ? steps - 1 : steps;
    }

    void CheckMatches(SegmentationDataset data, string role)
    {
        var net = state.Network;
        if (data.Channels != net.InputChannels)
            throw new ArgumentException($"The {role} images have {data.Channels} channels; the network expects {net.InputChannels}.");
        if (state.Trainer.PatchSize is { } patch)
        {
            if (patch % net.SizeMultiple != 0)
                throw new ArgumentException($"TrainerOptions.PatchSize {patch} must be a multiple of the network's 2^Depth = {net.SizeMultiple}.");
            if (data.Height < patch || data.Width < patch)
                throw new ArgumentException(
                    $"The {role} images are {data.Height} x {data.Width} (H x W), smaller than the {patch} x {patch} patches (TrainerOptions.PatchSize) cut from them.");
        }
        else if (data.Height % net.SizeMultiple != 0 || data.Width % net.SizeMultiple != 0)
            throw new ArgumentException(
                $"The {role} images are {data.Height} x {data.Width} (H x W); both must be multiples of 2^Depth = {net.SizeMultiple}. Resize or pad them.");
        if (data.Classes != net.OutputClasses)
            throw new ArgumentException($"The {role} masks are labelled for {data.Classes} classes; the network has {net.OutputClasses}.");
    }

    // The weights that were validated: the averaged ones when there are any.
    void SnapshotBestWeights()
    {
        DisposeBestWeights();
        bestWeights = WeightSet.Clone(average?.Values ?? Network.state_dict());
    }

    void RestoreBestWeights()
    {
        WeightSet.CopyInto(Network, bestWeights!);
        holdsBestWeights = true;
    }

    void DisposeBestWeights()
    {
        if (bestWeights is null)
            return;
        WeightSet.Dispose(bestWeights);
        bestWeights = null;
    }

    static TrainingState NewState(UNetOptions network, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        var trainer = options.Clone();
        trainer.Seed ??= Random.Shared.Next();
        return new TrainingState { Network = network.Clone(), Trainer = trainer, LearningRate = trainer.LearningRate };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        DisposeBestWeights();
        average?.Dispose();
        optimizer.Dispose();
        Network.Dispose();
    }
}
