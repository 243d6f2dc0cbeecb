using System.CommandLine;
using MLNet.UNet.Inference;
using MLNet.UNet.Losses;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Networks;
using MLNet.UNet.Recipes;
using MLNet.UNet.Runtime;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;

namespace MLNet.UNet.Cli.Commands;

/// <summary>
/// <c>unet train</c>'s recipe and the flags that override its single fields. No flag holds a default of its own:
/// what is not given is the recipe's, and the option types check the values.
/// </summary>
internal sealed class RecipeOptions
{
    readonly Option<string> recipe = new("--recipe")
    {
        Description = $"The training recipe the flags below override: {string.Join(", ", TrainingRecipes.Names)} (see the README's 'Recipes'), " +
                      "or the recipe.json of a run (to resume it after its recipe has changed, or to train another like it).",
        DefaultValueFactory = _ => "quick",
    };
    readonly Option<string?> preset = new("--preset") { Description = "Network: small (depth 4, base 16, batch norm), medium (depth 5, base 24, batch norm) or seed (the Keras U-Net); replaces the recipe's whole network, its deep supervision included." };
    readonly Option<int?> depth = new("--depth") { Description = "Poolings (--deep-supervision must stay below it)." };
    readonly Option<int?> baseFilters = new("--base-filters") { Description = "Filters of the first level." };
    readonly Option<bool?> batchNorm = new("--batch-norm") { Description = "Batch norm after each convolution." };
    readonly Option<int?> deepSupervision = new("--deep-supervision") { Description = "Lower decoder levels trained with their own output and loss (nnU-Net's deep supervision; 3 in liver-mri, off in the other recipes); 0 turns it off." };
    readonly Option<int?> size = new("--size") { Description = "Images are resized to size x size (a multiple of 2^depth)." };
    readonly Option<int?> tile = new("--tile") { Description = "Train on random tile x tile crops of the --size images and score them in overlapping tiles blended back (sliding window), with no resize to the tile (a multiple of 2^depth)." };
    readonly Option<double?> tileOverlap = new("--tile-overlap") { Description = "With a sliding window: the fraction of a tile shared with the next, in [0, 1) (0.5 when not given)." };
    readonly Option<string?> tileBlend = new("--tile-blend") { Description = "With a sliding window: gaussian (tile edges count less) or constant." };
    readonly Option<int?> neighbourSlices = new("--neighbour-slices") { Description = "For --volumes: neighbouring slices on each side given as extra channels (2.5D)." };
    readonly Option<string?> contextLabels = new("--context-labels")
    {
        Description = "For --volumes, one organ: label values of neighbouring structures the network also learns, a class each, keeping the organ's class " +
                      "(e.g. 2,3,4 for CHAOS's kidneys and spleen), or 'none'.",
    };
    readonly Option<int?> smoothSlices = new("--smooth-slices")
    {
        Description = "For --volumes: neighbour slices on each side whose probabilities are averaged with each slice's when the model segments a volume " +
                      "(0: none); the validation figures use it and the model keeps it as its default.",
    };
    readonly Option<bool?> testTimeShifts = new("--test-time-shifts")
    {
        Description = "For --volumes resized to --size: score each volume also moved by whole voxels within one network pixel and average the passes " +
                      "(true or false; four passes for a 2x shrink); the validation figures use it and the model keeps it as its default.",
    };
    readonly Option<bool?> labelFractions = new("--label-fractions")
    {
        Description = "For --volumes resized to --size: train against the share of each pixel each class covers in the full-resolution labels, " +
                      "not the nearest label pixel (true or false).",
    };
    readonly Option<double?> emptySlices = new("--empty-slices") { Description = "For --volumes: the fraction of the slices without the organ kept for training (all slices with it are kept); with --redraw-empty-slices, the share of them each epoch trains on." };
    readonly Option<bool?> redrawEmptySlices = new("--redraw-empty-slices")
    {
        Description = "For --volumes: true to draw the --empty-slices fraction anew each epoch from all the slices without the organ, so that " +
                      "training sees every one of them; false to draw it once, when the slices are loaded.",
    };
    readonly Option<int?> epochs = new("--epochs") { Description = "Epochs." };
    readonly Option<int?> batchSize = new("--batch-size") { Description = "Images per step." };
    readonly Option<double?> learningRate = new("--learning-rate") { Description = "Initial learning rate." };
    readonly Option<string?> schedule = new("--schedule") { Description = "constant, cosine or plateau." };
    readonly Option<string?> loss = new("--loss") { Description = "bce, dice or bce-dice." };
    readonly Option<string?> dice = new("--dice") { Description = "Soft Dice per image or over the batch (closer to a volume's Dice): image or batch." };
    readonly Option<string?> validationDice = new("--validation-dice") { Description = "Validation Dice (which picks the kept epoch, where the recipe keeps the best): image (the mean of the images') or pooled (over all validation pixels)." };
    readonly Option<string?> augment = new("--augment") { Description = "none, or recipe (the recipe's augmentation)." };
    readonly Option<string?> keepEpoch = new("--keep-epoch") { Description = "The weights the model keeps: best (the epoch of the best validation Dice) or last (the weights training ended with; what each fold of --folds keeps)." };
    readonly Option<double?> weightAveraging = new("--weight-averaging") { Description = "Decay per step of a moving average of the weights (e.g. 0.995); 0 turns it off." };
    readonly Option<double?> validation = new("--validation") { Description = "Fraction held out for validation (of patients, for volumes)." };
    readonly Option<int?> earlyStopping = new("--early-stopping") { Description = "Stop after this many epochs without validation improvement." };
    readonly Option<int?> seed = new("--seed") { Description = "Seed (1 when not given): same seed and threads give the same model." };
    readonly Option<int?> splitSeed = new("--split-seed") { Description = "For --volumes: seed of the validation patients and of the folds (--seed's when not given), so that other seeds train on the same patients." };
    readonly Option<double?> minutes = new("--minutes") { Description = "Time budget; training stops after the epoch that passes it; 0 for none." };
    readonly Option<string?> device = new("--device") { Description = "Where to train: auto (a CUDA GPU when TorchSharp reports one, else the CPU), cpu, cuda or cuda:N." };
    readonly Option<bool> fitSchedule = new("--fit-schedule-to-time") { Description = "With a time budget and the cosine schedule: anneal the learning rate over the minutes, not the epochs." };

    public RecipeOptions()
    {
        recipe.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!TrainingRecipes.Names.Contains(value) && !(value.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.Exists(value)))
                result.AddError($"{recipe.Name}: '{value}' is neither a recipe ({string.Join(", ", TrainingRecipes.Names)}) nor an existing recipe.json file.");
        });
        preset.AcceptOnlyFromAmong([.. UNetOptions.PresetNames]);
        schedule.AcceptOnlyFromAmong("constant", "cosine", "plateau");
        loss.AcceptOnlyFromAmong("bce", "dice", "bce-dice");
        dice.AcceptOnlyFromAmong("image", "batch");
        validationDice.AcceptOnlyFromAmong("image", "pooled");
        augment.AcceptOnlyFromAmong("none", "recipe");
        keepEpoch.AcceptOnlyFromAmong("best", "last");
        tileBlend.AcceptOnlyFromAmong("gaussian", "constant");
    }

    public IEnumerable<Option> All =>
    [
        recipe, preset, depth, baseFilters, batchNorm, deepSupervision, size, tile, tileOverlap, tileBlend, neighbourSlices, emptySlices, redrawEmptySlices, contextLabels, smoothSlices, testTimeShifts, labelFractions, epochs, batchSize, learningRate, schedule, loss, dice,
        validationDice, augment, keepEpoch, weightAveraging, validation, earlyStopping, seed, splitSeed, minutes, fitSchedule, device,
    ];

    /// <summary>The first recipe flag given that applies to volumes only, or null.</summary>
    public string? VolumeOnlyFlag(ParseResult result) =>
        result.GetValue(neighbourSlices) is not null ? neighbourSlices.Name : result.GetValue(emptySlices) is not null ? emptySlices.Name
        : result.GetValue(redrawEmptySlices) is not null ? redrawEmptySlices.Name
        : result.GetValue(contextLabels) is not null ? contextLabels.Name : result.GetValue(smoothSlices) is not null ? smoothSlices.Name
        : result.GetValue(labelFractions) is not null ? labelFractions.Name : result.GetValue(testTimeShifts) is not null ? testTimeShifts.Name
        : result.GetValue(splitSeed) is not null ? splitSeed.Name : null;

    /// <summary>True when --validation was given.</summary>
    public bool HasValidationFlag(ParseResult result) => result.GetValue(validation) is not null;

    /// <summary>True when --keep-epoch was given.</summary>
    public bool HasKeepEpochFlag(ParseResult result) => result.GetValue(keepEpoch) is not null;

    /// <summary>The named recipe with the flags given applied to it, validated.</summary>
    public TrainingRecipe Effective(ParseResult result)
    {
        var recipeName = result.GetValue(recipe)!;
        var effective = TrainingRecipes.Names.Contains(recipeName) ? TrainingRecipes.Get(recipeName) : ReadRecipe(recipeName);
        if (result.GetValue(preset) is { } name)
            effective.Network = UNetOptions.Preset(name);
        var network = effective.Network;
        network.Depth = result.GetValue(depth) ?? network.Depth;
        network.BaseFilters = result.GetValue(baseFilters) ?? network.BaseFilters;
        network.BatchNorm = result.GetValue(batchNorm) ?? network.BatchNorm;
        network.DeepSupervisionOutputs = result.GetValue(deepSupervision) ?? network.DeepSupervisionOutputs;
        effective.ImageSize = result.GetValue(size) ?? effective.ImageSize;
        if (result.GetValue(tile) is { } tileSize)
            effective.SlidingWindow = new SlidingWindowOptions { TileSize = tileSize };
        if ((result.GetValue(tileOverlap) is not null || result.GetValue(tileBlend) is not null) && effective.SlidingWindow is null)
            throw new ArgumentException($"{tileOverlap.Name} and {tileBlend.Name} set the sliding window, which --tile (or the recipe) turns on.");
        if (effective.SlidingWindow is { } window)
        {
            window.Overlap = result.GetValue(tileOverlap) ?? window.Overlap;
            window.Blend = result.GetValue(tileBlend) switch { "gaussian" => TileBlend.Gaussian, "constant" => TileBlend.Constant, _ => window.Blend };
        }
        effective.NeighbourSlices = result.GetValue(neighbourSlices) ?? effective.NeighbourSlices;
        effective.EmptySliceFraction = result.GetValue(emptySlices) ?? effective.EmptySliceFraction;
        effective.RedrawEmptySlices = result.GetValue(redrawEmptySlices) ?? effective.RedrawEmptySlices;
        effective.SmoothingRadius = result.GetValue(smoothSlices) ?? effective.SmoothingRadius;
        effective.LabelFractions = result.GetValue(labelFractions) ?? effective.LabelFractions;
        effective.TestTimeShifts = result.GetValue(testTimeShifts) ?? effective.TestTimeShifts;
        effective.ValidationFraction = result.GetValue(validation) ?? effective.ValidationFraction;
        effective.SplitSeed = result.GetValue(splitSeed) ?? effective.SplitSeed;
        if (result.GetValue(contextLabels) is { } values)
            effective.ContextLabels = values.Trim() == "none" ? [] : ParseValues(values);
        var trainer = effective.Trainer;
        trainer.Epochs = result.GetValue(epochs) ?? trainer.Epochs;
        trainer.BatchSize = result.GetValue(batchSize) ?? trainer.BatchSize;
        trainer.LearningRate = result.GetValue(learningRate) ?? trainer.LearningRate;
        trainer.Schedule = result.GetValue(schedule) switch
        {
            "constant" => LearningRateSchedule.Constant, "cosine" => LearningRateSchedule.Cosine, "plateau" => LearningRateSchedule.ReduceOnPlateau, _ => trainer.Schedule,
        };
        trainer.Loss = result.GetValue(loss) switch
        {
            "bce" => SegmentationLoss.BinaryCrossEntropy, "dice" => SegmentationLoss.SoftDice, "bce-dice" => SegmentationLoss.BinaryCrossEntropyPlusDice, _ => trainer.Loss,
        };
        trainer.BatchDice = result.GetValue(dice) is { } d ? d == "batch" : trainer.BatchDice;
        trainer.PooledValidationDice = result.GetValue(validationDice) is { } v ? v == "pooled" : trainer.PooledValidationDice;
        if (result.GetValue(augment) == "none")
            trainer.Augmentation = AugmentationOptions.None;
        trainer.KeepBestModel = result.GetValue(keepEpoch) is { } kept ? kept == "best" : trainer.KeepBestModel;
        if (result.GetValue(weightAveraging) is { } decay)
            trainer.WeightAveragingDecay = decay == 0 ? null : decay;
        trainer.EarlyStoppingPatience = result.GetValue(earlyStopping) ?? trainer.EarlyStoppingPatience;
        trainer.Seed = result.GetValue(seed) ?? trainer.Seed ?? 1;
        if (result.GetValue(minutes) is { } m)
            trainer.TimeBudget = m == 0 ? null
                : double.IsFinite(m) && Math.Abs(m) < TimeSpan.MaxValue.TotalMinutes ? TimeSpan.FromMinutes(m)
                : throw new ArgumentException($"{minutes.Name}: {m} is not a number of minutes; give a positive number, or 0 for no budget.");
        trainer.FitScheduleToTimeBudget |= result.GetValue(fitSchedule);
        try
        {
            if (result.GetValue(device) is { } text)
                trainer.Device = TrainingDevice.Parse(text);
            effective.Validate();
            SliceLoaderOptions.FromRecipe(effective, training: true).Validate();
        }
        catch (ArgumentException e) when (FlagOf(e.Message) is { } flag)
        {
            throw new ArgumentException($"{flag}: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"{device.Name}: {e.Message}", e);
        }
        return effective;
    }

    TrainingRecipe ReadRecipe(string path)
    {
        try
        {
            return TrainingRecipe.ReadJson(path);
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException($"{recipe.Name}: {e.Message}", e);
        }
    }

    int[] ParseValues(string text) => text.Split(',', StringSplitOptions.TrimEntries).Select(v =>
        int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value
            : throw new ArgumentException($"{contextLabels.Name}: '{v}' is not a label value; give whole numbers separated by commas (e.g. 2,3,4), or 'none'.")).ToArray();

    // The option types name their fields; a tool user also needs the flag that set one.
    string? FlagOf(string message) => new (string Field, Option Flag)[]
    {
        ("TrainingRecipe.ImageSize", size), ("TrainingRecipe.ValidationFraction", validation), ("UNetOptions.Depth", depth),
        ("UNetOptions.BaseFilters", baseFilters), ("UNetOptions.DeepSupervisionOutputs", deepSupervision), ("TrainerOptions.Epochs", epochs), ("TrainerOptions.BatchSize", batchSize),
        ("TrainerOptions.LearningRate", learningRate), ("TrainerOptions.WeightAveragingDecay", weightAveraging),
        ("TrainerOptions.EarlyStoppingPatience", earlyStopping), ("TrainerOptions.TimeBudget", minutes),
        ("TrainerOptions.FitScheduleToTimeBudget", fitSchedule), ("SliceLoaderOptions.EmptySliceFraction", emptySlices), ("TrainingRecipe.EmptySliceFraction", emptySlices), ("TrainingRecipe.ContextLabels", contextLabels),
        ("TrainingRecipe.SmoothingRadius", smoothSlices),
        ("SliceLoaderOptions.NeighbourSlices", neighbourSlices), ("SlidingWindowOptions.TileSize", tile), ("SlidingWindowOptions.Overlap", tileOverlap),
    }.FirstOrDefault(pair => message.StartsWith(pair.Field, StringComparison.Ordinal)).Flag?.Name;
}
