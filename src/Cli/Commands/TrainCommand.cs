using System.CommandLine;
using System.Globalization;
using MLNet.UNet.Losses;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;

namespace MLNet.UNet.Cli.Commands;

/// <summary><c>unet train</c>: fits the pipeline and writes the model zip, ONNX, metrics, curve and checkpoints.</summary>
internal static class TrainCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var images = CommandOptions.Images();
        var masks = CommandOptions.Masks();
        var volumes = CommandOptions.Volumes();
        var output = CommandOptions.Output("unet-model");
        var preset = new Option<string>("--preset") { Description = "Network: small (depth 4, base 16, batch norm), medium (depth 5, base 24, batch norm) or seed (the Keras U-Net).", DefaultValueFactory = _ => "small" };
        preset.AcceptOnlyFromAmong([.. UNetOptions.PresetNames]);
        var depth = new Option<int?>("--depth") { Description = "Poolings; overrides the preset." };
        var baseFilters = new Option<int?>("--base-filters") { Description = "Filters of the first level; overrides the preset." };
        var batchNorm = new Option<bool?>("--batch-norm") { Description = "Batch norm after each convolution; overrides the preset." };
        var size = new Option<int>("--size") { Description = "Images are resized to size x size (a multiple of 2^depth).", DefaultValueFactory = _ => 128 };
        var channels = new Option<int>("--channels") { Description = "1 (gray) or 3 (RGB) image channels.", DefaultValueFactory = _ => 1 };
        channels.AcceptOnlyFromAmong("1", "3");
        var neighbourSlices = new Option<int>("--neighbour-slices")
        {
            Description = $"For --volumes: neighbouring slices on each side given as extra channels (2.5D), 0 to {SliceLoader.MaxNeighbourSlices}.",
            DefaultValueFactory = _ => 0,
        };
        var emptySlices = new Option<double>("--empty-slices")
        {
            Description = "For --volumes: each slice without the organ is kept for training with this probability (all slices with it are kept); " +
                          "the README's liver recipe keeps 0.25.",
            DefaultValueFactory = _ => 0.5,
        };
        var epochs = new Option<int>("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => 30 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 8 };
        var learningRate = new Option<double>("--learning-rate") { Description = "Initial learning rate.", DefaultValueFactory = _ => 2e-3 };
        var schedule = new Option<string>("--schedule") { Description = "constant, cosine or plateau.", DefaultValueFactory = _ => "cosine" };
        schedule.AcceptOnlyFromAmong("constant", "cosine", "plateau");
        var loss = new Option<string>("--loss") { Description = "bce, dice or bce-dice.", DefaultValueFactory = _ => "bce-dice" };
        loss.AcceptOnlyFromAmong("bce", "dice", "bce-dice");
        var dice = new Option<string>("--dice") { Description = "Soft Dice per image or over the batch (closer to a volume's Dice).", DefaultValueFactory = _ => "image" };
        dice.AcceptOnlyFromAmong("image", "batch");
        var validationDice = new Option<string>("--validation-dice")
        {
            Description = "Validation Dice (which picks the kept epoch): the mean of the images' or pooled over all validation pixels.",
            DefaultValueFactory = _ => "image",
        };
        validationDice.AcceptOnlyFromAmong("image", "pooled");
        var augment = new Option<string>("--augment") { Description = "none or default (flips, small affine, intensity).", DefaultValueFactory = _ => "default" };
        augment.AcceptOnlyFromAmong("none", "default");
        var weightAveraging = new Option<double?>("--weight-averaging")
        {
            Description = "Decay per step of a moving average of the weights (e.g. 0.995); the averaged weights are validated and saved.",
        };
        var validation = new Option<double>("--validation") { Description = "Fraction held out for validation (of patients, for volumes).", DefaultValueFactory = _ => 0.2 };
        var earlyStopping = new Option<int?>("--early-stopping") { Description = "Stop after this many epochs without validation improvement." };
        var seed = new Option<int>("--seed") { Description = "Seed: same seed and threads give the same model.", DefaultValueFactory = _ => 1 };
        var minutes = new Option<double?>("--minutes") { Description = "Time budget; training stops after the epoch that passes it." };
        var fitSchedule = new Option<bool>("--fit-schedule-to-time")
        {
            Description = "With --minutes and the cosine schedule: anneal the learning rate over the minutes, not the epochs (give more --epochs than fit).",
        };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in the output folder." };
        var threads = CommandOptions.Threads();
        var maxPixels = CommandOptions.MaxImagePixels();

        var command = new Command("train", """
            Train a U-Net on image/mask pairs or NIfTI volumes.

            Examples:
              unet train --images data/train --output model --epochs 30
              unet train --volumes ../shared/data/chaos-mr-t2 --size 128 --preset medium --minutes 50 -o liver
              unet train --images data/train --output model --resume     (after an interruption)
            """)
        {
            images, masks, volumes, output, preset, depth, baseFilters, batchNorm, size, channels, neighbourSlices, emptySlices, epochs, batchSize, learningRate,
            schedule, loss, dice, validationDice, augment, weightAveraging, validation, earlyStopping, seed, minutes, fitSchedule, resume, threads, maxPixels,
        };
        command.SetAction(result => environment.Run(() =>
        {
            if ((result.GetValue(images) is null) == (result.GetValue(volumes) is null))
                throw new ArgumentException("Give exactly one of --images and --volumes.");
            var network = Network(result.GetValue(preset)!, result.GetValue(depth), result.GetValue(baseFilters), result.GetValue(batchNorm));
            int imageSize = result.GetValue(size);
            if (imageSize < network.SizeMultiple || imageSize % network.SizeMultiple != 0)
                throw new ArgumentException($"--size {imageSize} must be a positive multiple of 2^depth = {network.SizeMultiple}.");
            int neighbours = result.GetValue(neighbourSlices);
            if (neighbours is < 0 or > SliceLoader.MaxNeighbourSlices)
                throw new ArgumentException($"--neighbour-slices must be in [0, {SliceLoader.MaxNeighbourSlices}], got {neighbours}.");
            if (neighbours > 0 && result.GetValue(volumes) is null)
                throw new ArgumentException("--neighbour-slices applies to --volumes only.");
            double empty = result.GetValue(emptySlices);
            if (!(empty is >= 0 and <= 1))
                throw new ArgumentException($"--empty-slices must be a fraction in [0, 1], got {empty.ToString(CultureInfo.InvariantCulture)}.");
            if (result.GetValue(volumes) is null && result.GetResult(emptySlices) is { Implicit: false })
                throw new ArgumentException("--empty-slices applies to --volumes only.");
            if (result.GetValue(channels) != 1 && result.GetValue(volumes) is not null)
                throw new ArgumentException("--channels applies to --images only; for more channels from volumes, give --neighbour-slices k (2k + 1 channels).");
            double fraction = result.GetValue(validation);
            if (!(fraction >= 0 && fraction < 1))
                throw new ArgumentException($"--validation must be in [0, 1), got {fraction}.");
            if (result.GetValue(weightAveraging) is { } decay && !(decay > 0 && decay < 1))
                throw new ArgumentException($"--weight-averaging must be in (0, 1), got {decay}; 0.995 averages about the last 200 steps.");
            if (result.GetValue(fitSchedule) && (result.GetValue(minutes) is null || result.GetValue(schedule) != "cosine"))
                throw new ArgumentException($"--fit-schedule-to-time needs --minutes and --schedule cosine (got {(result.GetValue(minutes) is null ? "no --minutes" : "--schedule " + result.GetValue(schedule))}).");
            environment.ApplyThreads(result.GetValue(threads));
            var trainer = new TrainerOptions
            {
                Epochs = result.GetValue(epochs), BatchSize = result.GetValue(batchSize), LearningRate = result.GetValue(learningRate),
                Optimizer = OptimizerKind.AdamW, WeightDecay = 1e-4, Seed = result.GetValue(seed),
                Schedule = result.GetValue(schedule) switch
                {
                    "constant" => LearningRateSchedule.Constant, "plateau" => LearningRateSchedule.ReduceOnPlateau, _ => LearningRateSchedule.Cosine,
                },
                Loss = result.GetValue(loss) switch
                {
                    "bce" => SegmentationLoss.BinaryCrossEntropy, "dice" => SegmentationLoss.SoftDice, _ => SegmentationLoss.BinaryCrossEntropyPlusDice,
                },
                BatchDice = result.GetValue(dice) == "batch",
                PooledValidationDice = result.GetValue(validationDice) == "pooled",
                Augmentation = result.GetValue(augment) == "none" ? AugmentationOptions.None : AugmentationOptions.Default,
                WeightAveragingDecay = result.GetValue(weightAveraging),
                EarlyStoppingPatience = result.GetValue(earlyStopping),
                TimeBudget = result.GetValue(minutes) is { } m ? TimeSpan.FromMinutes(m) : null,
                FitScheduleToTimeBudget = result.GetValue(fitSchedule),
            };
            trainer.Validate();
            var folder = result.GetValue(output)!;
            CommandOptions.EnsureFolder(folder);
            AtomicFile.RemoveStaleTemporaries(folder.FullName);
            var run = new TrainingRun(environment, folder, network, trainer, imageSize, result.GetValue(resume));
            return result.GetValue(images) is { } imageFolder
                ? run.OnImages(imageFolder, result.GetValue(masks), result.GetValue(channels), fraction, result.GetValue(maxPixels))
                : run.OnVolumes(result.GetValue(volumes)!, neighbours, empty, fraction);
        }));
        return command;
    }

    static UNetOptions Network(string preset, int? depth, int? baseFilters, bool? batchNorm)
    {
        var network = UNetOptions.Preset(preset);
        network.Depth = depth ?? network.Depth;
        network.BaseFilters = baseFilters ?? network.BaseFilters;
        network.BatchNorm = batchNorm ?? network.BatchNorm;
        network.Validate();
        return network;
    }
}
