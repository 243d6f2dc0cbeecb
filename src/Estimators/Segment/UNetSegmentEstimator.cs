using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.UNet.Data;
using MLNet.UNet.Export;
using MLNet.UNet.Hosting;
using MLNet.UNet.Inference;
using MLNet.UNet.Networks;
using MLNet.UNet.Recipes;
using MLNet.UNet.Runtime;
using MLNet.UNet.Training;

namespace MLNet.UNet.Segment;

/// <summary>
/// Trains a U-Net with TorchSharp on a features column of images and a label column of masks, exports it to
/// ONNX and returns a <see cref="UNetSegmentTransformer"/> that scores with ONNX Runtime.
/// </summary>
public sealed class UNetSegmentEstimator : IEstimator<UNetSegmentTransformer>
{
    readonly MLContext context;
    readonly UNetSegmentOptions options;

    internal UNetSegmentEstimator(MLContext context, UNetSegmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.context = context;
        this.options = options;
    }

    /// <inheritdoc />
    public UNetSegmentTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var host = new TrainingHost(context, nameof(UNetSegmentEstimator));
        // Both native backends are the application's to add; find a missing one before training, not after.
        TorchRuntime.EnsureInitialized();
        OnnxRuntimeBackend.EnsureLoaded();
        if (options.GpuDeviceId is { } device && !options.FallbackToCpu)
            GpuCheck.EnsureAvailable(device);
        var shape = ImageShape.OfFeatures(input.Schema, options.FeatureColumnName, GivenShape());
        var network = options.Network.Clone();
        network.InputChannels = shape.Channels;
        network.Validate();
        var window = options.SlidingWindow;
        if (window is null && (shape.Height % network.SizeMultiple != 0 || shape.Width % network.SizeMultiple != 0))
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Features column '{options.FeatureColumnName}' holds {shape.Height} x {shape.Width} images; a U-Net of depth " +
                $"{network.Depth} needs height and width that are multiples of 2^{network.Depth} = {network.SizeMultiple}. " +
                $"Resize the images first, e.g. with ResizeImages to {RoundUp(shape.Height, network.SizeMultiple)} x {RoundUp(shape.Width, network.SizeMultiple)}, " +
                "or score them in a sliding window (UNetSegmentOptions.SlidingWindow).");
        if (window is not null && (shape.Height < window.TileSize || shape.Width < window.TileSize))
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Features column '{options.FeatureColumnName}' holds {shape.Height} x {shape.Width} images, smaller than the sliding window's " +
                $"{window.TileSize} x {window.TileSize} tiles that training crops from them; use a smaller SlidingWindow.TileSize.");
        var trainer = options.Trainer.Clone();
        trainer.PatchSize = window?.TileSize ?? trainer.PatchSize;
        trainer.Seed ??= host.NextSeed();
        trainer.Validate();

        using var channel = host.StartChannel(nameof(UNetSegmentEstimator));
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        bool IsCanceled() => cancellation.IsCancellationRequested || host.IsCanceled;

        using var engine = StartOrResume(network, trainer, channel);
        var rows = Read(input, shape, IsCanceled, "training", channel);
        // The split uses the engine's seed: after a resume that is the checkpoint's, so validation rows stay validation rows.
        var (trainingRows, validationRows) = options.ValidationSet is { } validationSet
            ? (rows, Read(validationSet, shape, IsCanceled, "validation", channel))
            : Split(rows, options.ValidationFraction, engine.Options.Seed!.Value);
        channel.Info(MessageSensitivity.None,
            $"Training a U-Net (depth {network.Depth}, base {network.BaseFilters}, batch norm {network.BatchNorm}) on " +
            $"{trainingRows.Images.Count} images of {shape}, validating on {validationRows?.Images.Count ?? 0}, seed {engine.Options.Seed}.");

        using var training = SegmentationDataset.FromArrays(trainingRows.Images, trainingRows.Masks, shape.Channels, shape.Height, shape.Width,
            network.OutputClasses, trainingRows.Regions, trainingRows.Fractions);
        if (trainingRows.Pooled is { } pooled)
            training.DrawEachEpoch(pooled, options.EpochDrawFraction);
        using var validation = validationRows is null ? null
            : SegmentationDataset.FromArrays(validationRows.Images, validationRows.Masks, shape.Channels, shape.Height, shape.Width, network.OutputClasses);
        var result = engine.Fit(training, validation, progress =>
        {
            if (host.IsCanceled)
                cancellation.Cancel();
            if (progress.EpochCompleted)
                channel.Info(MessageSensitivity.None,
                    $"Epoch {progress.Epoch}/{progress.Epochs}: loss {progress.Loss:F4}" +
                    (progress.ValidationDice is { } dice ? $", validation Dice {dice:F4}" : "") +
                    (engine.History.LastOrDefault()?.ValidationDicePerClass is { } perClass
                        ? $" (per class {string.Join(", ", perClass.Select((d, c) => $"{c + 1}: {d:F4}"))})" : "") +
                    $", {progress.ImagesPerSecond:F1} images/s, about {progress.TimeRemaining:hh\\:mm\\:ss} left.");
            options.Progress?.Invoke(progress);
        }, cancellation.Token, options.CheckpointPath);
        channel.Info(MessageSensitivity.None, $"Training stopped ({result.StopReason}) after {result.History.Count} epochs" +
            (result.BestValidationDice is { } best ? $"; best validation Dice {best:F4} at epoch {result.BestEpoch}." : "."));

        var onnx = OnnxExporter.Export(engine.Network, new OnnxExportOptions
        {
            InputName = options.FeatureColumnName,
            OutputName = options.OutputColumnName,
            Height = window?.TileSize ?? shape.Height,
            Width = window?.TileSize ?? shape.Width,
            Metadata = { [TestTimeFlips.TrainedFlipsKey] = TestTimeFlips.TrainedAxes(trainer.Augmentation).ToString() },
        });
        if (options.TestTimeFlips)
            onnx = TestTimeFlips.Wrap(onnx, TestTimeFlips.TrainedAxes(trainer.Augmentation));
        if (window is not null)
            onnx = SlidingWindow.Wrap(onnx, shape.Height, shape.Width, window);
        return new UNetSegmentTransformer(context, input, onnx, options, engine.Network.Options, engine.Options, result);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ImageShape.CheckVectorOfSingle(inputSchema, options.FeatureColumnName, "Features");
        return context.Transforms.CopyColumns(options.OutputColumnName, options.FeatureColumnName).GetOutputSchema(inputSchema);
    }

    UNetTrainer StartOrResume(UNetOptions network, TrainerOptions trainer, IChannel channel)
    {
        if (!options.Resume || options.CheckpointPath is not { } path || !File.Exists(path))
            return new UNetTrainer(network, trainer);
        // The epochs, the time budget and the device are this run's choice (train longer; a GPU checkpoint resumes on a CPU).
        var resumed = UNetTrainer.LoadCheckpoint(path, trainer.Epochs, trainer.Device);
        var checkpointBudget = resumed.Options.TimeBudget;
        resumed.Options.TimeBudget = trainer.TimeBudget;
        // A seed drawn from the context is not a choice: the run goes on with the checkpoint's.
        var asked = trainer.Clone();
        if (options.Trainer.Seed is null)
            asked.Seed = resumed.Options.Seed;
        // Every other setting, the training-only ones of the network (dropout, deep supervision) included, must match:
        // the checkpoint's would otherwise rule unseen, while the run's recipe and log said another.
        var differences = SettingsComparison.Of(resumed.Network.Options, network, nameof(UNetOptions))
            .Concat(SettingsComparison.Of(resumed.Options, asked, nameof(TrainerOptions)))
            .Select(d => $"{d.Path}: checkpoint {d.Value}, asked {d.OtherValue}").ToList();
        if (differences.Count > 0)
        {
            resumed.Dispose();
            throw new CheckpointSettingsException(path, differences);
        }
        channel.Info(MessageSensitivity.None, $"Resuming from '{path}' after epoch {resumed.History.Count}.");
        if (checkpointBudget != trainer.TimeBudget)
            channel.Info(MessageSensitivity.None,
                $"The time budget is now {Budget(trainer.TimeBudget)}, not the checkpoint's {Budget(checkpointBudget)}; the time trained before counts.");
        return resumed;
    }

    static string Budget(TimeSpan? budget) => budget is { } b ? $"{b.TotalMinutes:0.#} minutes" : "none";

    SegmentationRows Read(IDataView data, ImageShape shape, Func<bool> isCanceled, string role, IChannel channel)
    {
        if (role == "validation")
            ImageShape.OfFeatures(data.Schema, options.FeatureColumnName, shape);
        var rows = SegmentationDataReader.Read(data, options.FeatureColumnName, options.LabelColumnName, shape,
            options.LabelRange, options.LabelBinarizationThreshold, isCanceled, role == "training" ? options.AugmentationRegionColumnName : null,
            options.Network.OutputClasses, options.LabelValues, role == "training" ? options.LabelFractionColumnName : null,
            role == "training" ? options.EpochDrawColumnName : null);
        if (rows.EmptyMasks == rows.Masks.Count && options.Network.OutputClasses > 1)
            channel.Warning(MessageSensitivity.None,
                $"No {role} mask in label column '{options.LabelColumnName}' holds a class other than 0 (the background): the network would learn " +
                "'background everywhere'. Check the label column and LabelValues.");
        else if (rows.EmptyMasks == rows.Masks.Count)
            channel.Warning(MessageSensitivity.None,
                $"Every {role} mask in label column '{options.LabelColumnName}' is empty (no pixel at or above " +
                $"{options.LabelBinarizationThreshold * rows.LabelMaximum} of [0, {rows.LabelMaximum}]): the network would learn 'background everywhere'. " +
                "Check the label column and LabelRange.");
        return rows;
    }

    static (SegmentationRows Training, SegmentationRows? Validation) Split(SegmentationRows rows, double fraction, int seed)
    {
        int count = rows.Images.Count;
        int validationCount = (int)Math.Round(count * fraction);
        if (fraction <= 0 || validationCount < 1 || count - validationCount < 1)
            return (rows, null);
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        SegmentationRows Take(IEnumerable<int> indices)
        {
            var list = indices.ToList();
            return rows with
            {
                Images = list.Select(i => rows.Images[i]).ToList(),
                Masks = list.Select(i => rows.Masks[i]).ToList(),
                Regions = rows.Regions is null ? null : list.Select(i => rows.Regions[i]).ToList(),
                Fractions = rows.Fractions is null ? null : list.Select(i => rows.Fractions[i]).ToList(),
                Pooled = rows.Pooled is null ? null : list.Select(i => rows.Pooled[i]).ToList(),
            };
        }
        return (Take(order.Skip(validationCount)), Take(order.Take(validationCount)));
    }

    ImageShape? GivenShape()
    {
        if (options.ImageChannels is null && options.ImageHeight is null && options.ImageWidth is null)
            return null;
        if (options.ImageChannels is not { } c || options.ImageHeight is not { } h || options.ImageWidth is not { } w || c < 1 || h < 1 || w < 1)
            throw new ArgumentOutOfRangeException(nameof(options),
                "ImageChannels, ImageHeight and ImageWidth must be given together, each at least 1.");
        return new ImageShape(c, h, w);
    }

    static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
