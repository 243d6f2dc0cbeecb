using System.Globalization;
using MLNet.UNet.Medical.Recipes;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Networks;

namespace MLNet.UNet.Examples;

/// <summary>Command-line settings of the liver example.</summary>
internal sealed record LiverMriSettings
{
    public string? DataFolder { get; init; }
    public string OutputFolder { get; init; } = Path.GetFullPath(Path.Combine("artifacts", "liver-mri"));
    public double Minutes { get; init; } = 55;
    public int Epochs { get; init; } = 50;
    public int ImageSize { get; init; } = 128;
    public string Preset { get; init; } = "medium";
    public int NeighbourSlices { get; init; } = LiverMriRecipe.NeighbourSlices;
    public double EmptySlices { get; init; } = LiverMriRecipe.TrainingEmptySliceFraction;
    /// <summary>Patients held out when not cross-validating, as given (null when not given).</summary>
    public int? ValidationPatients { get; init; }

    /// <summary>Patients held out when not cross-validating: <see cref="ValidationPatients"/>, 3 by default.</summary>
    public int HeldOutPatients => ValidationPatients ?? 3;
    public int Seed { get; init; } = 1;

    /// <summary>Folds of a cross-validation by patient; null trains once on a split holding out <see cref="ValidationPatients"/>.</summary>
    public int? Folds { get; init; }

    /// <summary>Run only this fold (1-based) of the <see cref="Folds"/>, and combine it with the folds already in the output folder; null runs them all.</summary>
    public int? Fold { get; init; }

    /// <summary>
    /// Keep the epoch with the best validation Dice (true) or the last one (false: no choice made on the validation
    /// patients, so their figures are unbiased); null keeps the best for one split and the last in a cross-validation.
    /// </summary>
    public bool? KeepBest { get; init; }

    /// <summary>Weight-averaging decay; 0 turns it off; null keeps the recipe's.</summary>
    public double? WeightAveraging { get; init; }

    /// <summary>Probability of elastic deformation; null keeps the recipe's.</summary>
    public double? Elastic { get; init; }

    /// <summary>Soft Dice over the batch (true) or per image (false); null keeps the recipe's.</summary>
    public bool? BatchDice { get; init; }

    /// <summary>Validation Dice pooled over all slices (true) or the mean of the slices' (false); null keeps the recipe's.</summary>
    public bool? PooledValidationDice { get; init; }

    /// <summary>Filters of the first level; null keeps the preset's.</summary>
    public int? BaseFilters { get; init; }

    /// <summary>Anneal the cosine schedule over the time budget rather than over the epochs.</summary>
    public bool FitScheduleToTime { get; init; }

    /// <summary>Neighbour slices on each side averaged with each slice's probabilities before the 3D evaluation; 0 for none.</summary>
    public int SmoothSlices { get; init; }

    /// <summary>The recipe's contrast-robust intensity augmentation (per-organ intensities, inverted gamma, bias field, histogram shift); null keeps the recipe's.</summary>
    public bool? RobustIntensity { get; init; }

    /// <summary>Also score the validation patients under the standard intensity shifts (the stress test).</summary>
    public bool Stress { get; init; }

    public static LiverMriSettings? Parse(string[] args)
    {
        var settings = new LiverMriSettings();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                settings = args[i] switch
                {
                    "--data" => settings with { DataFolder = Path.GetFullPath(Next()) },
                    "--output" => settings with { OutputFolder = Path.GetFullPath(Next()) },
                    "--minutes" => settings with { Minutes = Number(args[i], Next()) },
                    "--epochs" => settings with { Epochs = Integer(args[i], Next()) },
                    "--size" => settings with { ImageSize = Integer(args[i], Next()) },
                    "--preset" => settings with { Preset = Next() },
                    "--neighbour-slices" => settings with { NeighbourSlices = Integer(args[i], Next()) },
                    "--empty-slices" => settings with { EmptySlices = Number(args[i], Next()) },
                    "--validation-patients" => settings with { ValidationPatients = Integer(args[i], Next()) },
                    "--seed" => settings with { Seed = Integer(args[i], Next()) },
                    "--folds" => settings with { Folds = Integer(args[i], Next()) },
                    "--fold" => settings with { Fold = Integer(args[i], Next()) },
                    "--keep" => settings with { KeepBest = Either(args[i], Next(), "best", "last") },
                    "--weight-averaging" => settings with { WeightAveraging = Number(args[i], Next()) },
                    "--base-filters" => settings with { BaseFilters = Integer(args[i], Next()) },
                    "--validation-dice" => settings with { PooledValidationDice = Either(args[i], Next(), "pooled", "image") },
                    "--fit-schedule-to-time" => settings with { FitScheduleToTime = true },
                    "--elastic" => settings with { Elastic = Number(args[i], Next()) },
                    "--dice" => settings with { BatchDice = Either(args[i], Next(), "batch", "image") },
                    "--smooth-slices" => settings with { SmoothSlices = Integer(args[i], Next()) },
                    "--robust-intensity" => settings with { RobustIntensity = Either(args[i], Next(), "on", "off") },
                    "--stress" => settings with { Stress = true },
                    _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
                };
            }
            if (!UNetOptions.PresetNames.Contains(settings.Preset))
                throw new ArgumentException($"--preset must be one of {string.Join(", ", UNetOptions.PresetNames)}, got '{settings.Preset}'.");
            if (settings.Minutes <= 0 || settings.Epochs < 1 || settings.ImageSize < 32 || settings.ImageSize % 32 != 0)
                throw new ArgumentException("--minutes and --epochs must be positive and --size a multiple of 32.");
            if (!(settings.EmptySlices is >= 0 and <= 1))
                throw new ArgumentException($"--empty-slices must be in [0, 1], got {settings.EmptySlices}.");
            if (settings.NeighbourSlices is < 0 or > SliceLoader.MaxNeighbourSlices)
                throw new ArgumentException($"--neighbour-slices must be in [0, {SliceLoader.MaxNeighbourSlices}], got {settings.NeighbourSlices}.");
            if (settings.Elastic is { } elastic && !(elastic is >= 0 and <= 1))
                throw new ArgumentException($"--elastic must be a probability in [0, 1], got {elastic}.");
            if (settings.WeightAveraging is { } decay && !(decay >= 0 && decay < 1))
                throw new ArgumentException($"--weight-averaging must be in [0, 1) (0 turns it off), got {decay}.");
            if (settings.Folds is < 2)
                throw new ArgumentException($"--folds must be at least 2, got {settings.Folds}.");
            if (settings.Fold is { } fold && (settings.Folds is not { } count || fold < 1 || fold > count))
                throw new ArgumentException(settings.Folds is null
                    ? "--fold needs --folds: give the number of folds as well, for example --folds 5 --fold 2."
                    : $"--fold must be between 1 and {settings.Folds} (the --folds), got {fold}.");
            if (settings.Folds is not null && settings.ValidationPatients is not null)
                throw new ArgumentException("--validation-patients does not apply with --folds: each fold holds out its own patients.");
            if (settings.ValidationPatients is < 1)
                throw new ArgumentException($"--validation-patients must be at least 1, got {settings.ValidationPatients}.");
            if (settings.SmoothSlices < 0)
                throw new ArgumentException($"--smooth-slices must be 0 or more, got {settings.SmoothSlices}.");
            if (settings.BaseFilters is < 1)
                throw new ArgumentException($"--base-filters must be at least 1, got {settings.BaseFilters}.");
            return settings;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine("Usage: LiverMri [--data DIR] [--output DIR] [--minutes M] [--epochs N] [--size S] " +
                                    "[--preset small|medium|seed] [--neighbour-slices K] [--empty-slices F] [--validation-patients K] [--seed N] " +
                                    "[--folds K [--fold I]] [--keep best|last] " +
                                    "[--base-filters F] [--weight-averaging DECAY] [--elastic P] [--dice batch|image] [--validation-dice pooled|image] [--fit-schedule-to-time] " +
                                    "[--smooth-slices R] [--robust-intensity on|off] [--stress]");
            return null;
        }
    }

    static int Integer(string option, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number : throw new ArgumentException($"{option} must be a whole number, got '{value}'.");

    static double Number(string option, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? number : throw new ArgumentException($"{option} must be a number (with a point for decimals), got '{value}'.");

    // True for the first of an option's two values, false for the second.
    static bool Either(string option, string value, string first, string second) =>
        value == first || (value == second ? false : throw new ArgumentException($"{option} must be {first} or {second}, got '{value}'."));

    /// <summary>shared/data/chaos-mr-t2 in the current folder or one of its parents (the CI layout puts shared beside the clone).</summary>
    public static string? FindSharedData()
    {
        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "shared", "data", "chaos-mr-t2");
            if (Directory.Exists(candidate))
                return candidate;
        }
        return null;
    }
}
