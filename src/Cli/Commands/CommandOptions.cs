using System.CommandLine;
using MLNet.UNet.Medical.Inference;

namespace MLNet.UNet.Cli.Commands;

/// <summary>Options several commands share.</summary>
internal static class CommandOptions
{
    public static Option<DirectoryInfo?> Images() => new("--images")
    {
        Description = "Folder of images; masks are <name>_mask.png beside them, or same-named files in --masks.",
    };

    public static Option<DirectoryInfo?> Masks() => new("--masks") { Description = "Folder of masks with the images' file names." };

    /// <summary>--volumes: labelled volumes to train or evaluate on, or (<paramref name="labelled"/> false) volumes to segment.</summary>
    public static Option<DirectoryInfo?> Volumes(bool labelled = true) => new("--volumes")
    {
        Description = labelled
            ? "Folder of NIfTI volumes image_<id>.nii(.gz) with label_<id>.nii(.gz)."
            : "Folder of NIfTI volumes (.nii or .nii.gz) to segment; any names, no labels needed.",
    };

    /// <summary>
    /// Runs <paramref name="use"/>, which hands a flag's value to the library; the library's refusal comes back with the
    /// flag named in place of the option type's field and parameter.
    /// </summary>
    public static T Flagged<T>(string flag, Func<T> use)
    {
        try
        {
            return use();
        }
        catch (ArgumentException e)
        {
            var message = e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
            throw new ArgumentException($"{flag}: {message.Replace(Environment.NewLine, " ")}", e);
        }
    }

    /// <summary>Refuses an input folder that does not exist, naming the option; nothing given is no error.</summary>
    public static void RequireExisting(DirectoryInfo? folder, Option option)
    {
        if (folder is { Exists: false })
            throw new DirectoryNotFoundException($"{option.Name}: the folder '{folder.FullName}' does not exist.");
    }

    /// <summary>
    /// Refuses an output file path that names a folder, naming the option, before any work: the write at the end would
    /// otherwise fail after it.
    /// </summary>
    public static void RequireFilePath(FileInfo? file, Option option)
    {
        if (file is not null && Directory.Exists(file.FullName))
            throw new ArgumentException($"{option.Name}: '{file.FullName}' is a folder; give the path of the file to write.");
    }

    public static Option<FileInfo[]> Model() => new("--model")
    {
        Description = "An ML.NET model zip written by 'unet train'. Give it more than once (e.g. the folds of a cross-validation) to score " +
            "with the mean of the models' probabilities; the first zip's pipeline and plausibility record are used (with one zip of several " +
            "organs and --organ, that organ's probability thresholded at 0.5 and its record).",
        Required = true,
        Arity = ArgumentArity.OneOrMore,
    };

    public static Option<string?> EnsembleOrgan() => new("--organ")
    {
        Description = "An ensemble of one-organ models and models of several organs (e.g. --model liver.zip --model abdomen.zip --organ liver): " +
            "the organ the latter give, so that all vote on it; the one-organ models are taken to segment it, and the first --model must be one of them. " +
            "With one --model of several organs: that organ alone, as a one-organ model.",
    };

    /// <summary>The organs of a --labels value (name=value pairs), with the option named in the error when it does not parse.</summary>
    public static Medical.Slices.OrganLabels ParseLabels(string text)
    {
        try
        {
            return Medical.Slices.OrganLabels.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--labels: {e.Message}", e);
        }
    }

    public static Option<DirectoryInfo> Output(string defaultFolder) => new("--output", "-o")
    {
        Description = "Folder for the results.",
        DefaultValueFactory = _ => new DirectoryInfo(defaultFolder),
    };

    public static Option<int?> Threads() => new("--threads") { Description = "libtorch and ONNX Runtime threads (default: processor count)." };

    public static Option<int?> SmoothSlices() => new("--smooth-slices")
    {
        Description = "Volumes: average each slice's probabilities with this many neighbour slices on each side before thresholding (0: none). " +
                      "Default: the model's own, which training stores (0 for models saved before it did).",
    };

    /// <summary>The --smooth-slices value (null when not given: the model's default applies), refused where it cannot apply (images) or is negative.</summary>
    public static int? CheckedSmoothing(int? radius, bool volumes) => radius switch
    {
        < 0 or > Recipes.TrainingRecipe.MaxSmoothingRadius =>
            throw new ArgumentException($"--smooth-slices must be in [0, {Recipes.TrainingRecipe.MaxSmoothingRadius}], got {radius}."),
        > 0 when !volumes => throw new ArgumentException("--smooth-slices applies to --volumes only: images have no neighbour slices."),
        _ => radius,
    };

    /// <summary>The slice smoothing that volumes are scored with, given or the model's (which changes from model to model), and where it comes from.</summary>
    public static int Smoothing(TextWriter output, int? given, ModelKind kind, bool volumes)
    {
        int radius = given ?? kind.SmoothingRadius;
        if (volumes && radius > 0)
            output.WriteLine($"Probabilities averaged over {radius} neighbour slice(s) on each side ({(given is null ? "the model's default; --smooth-slices 0 turns it off" : "--smooth-slices")}).");
        return radius;
    }

    public static Option<bool> TestTimeFlips() => new("--tta")
    {
        Description = "Test-time flips: average the model's probabilities over the image as given and flipped along the axes the network was trained with flips along " +
                      "(two passes for one axis, four for both); refused for a network trained without flips.",
    };

    public static Option<bool?> TestTimeShifts() => new("--test-time-shifts")
    {
        Description = "Volumes: true to average the probabilities over the volume also moved by whole voxels within one network pixel, so that the " +
                      "network sees every way of shrinking the slices (four passes for 256 x 256 slices and a 128 x 128 network, sixteen for 512 x 512); false for one pass. " +
                      "Default: the model's.",
    };

    /// <summary>The --test-time-shifts value (null when not given: the model's default applies), refused with images, which this library does not shrink.</summary>
    public static bool? CheckedTestTimeShifts(bool? given, bool volumes) => given is not true || volumes
        ? given
        : throw new ArgumentException("--test-time-shifts applies to --volumes, whose slices the tool shrinks to the network's size; image files are resized by the model's pipeline.");

    /// <summary>Whether volumes are scored over test-time shifts, given or the model's default, said when they are.</summary>
    public static bool TestTimeShifts(TextWriter output, bool? given, ModelKind kind, bool volumes)
    {
        bool on = volumes && (given ?? kind.TestTimeShifts);
        if (on)
            output.WriteLine($"Probabilities averaged over test-time shifts ({(given is null ? "the model's default; --test-time-shifts false turns them off" : "--test-time-shifts")}).");
        return on;
    }

    public static Option<float?> Threshold() => new("--threshold")
    {
        Description = "Foreground above this probability, in (0, 1), for a one-organ model: to try another threshold before exporting one " +
                      "(unet export --threshold). Default: the model's own (the threshold its zip applies).",
    };

    /// <summary>
    /// The model as scored with the --threshold given (its own when none), said when given; refused outside (0, 1) and
    /// for a model of several organs, whose pixels take the organ of highest probability.
    /// </summary>
    public static ModelKind WithThreshold(TextWriter output, float? given, ModelKind kind)
    {
        if (given is not { } threshold)
            return kind;
        if (!(threshold > 0 && threshold < 1))
            throw new ArgumentException(FormattableString.Invariant($"--threshold must be in (0, 1), got {threshold}."));
        if (kind.Organs is not null)
            throw new ArgumentException("--threshold applies to a one-organ model: this model's pixels take the organ of highest probability. " +
                                        "Give --organ to score one of its organs by its own probability.");
        output.WriteLine(FormattableString.Invariant(
            $"Foreground above a probability of {threshold} (--threshold; the model's own: {(object?)kind.Threshold ?? "none, 0.5 by default"})."));
        return kind with { Threshold = threshold };
    }

    public static Option<bool> FailOnWarning() => new("--fail-on-warning")
    {
        Description = "Exit with code 3 when any prediction is implausible against what the model saw in training (an organ far smaller or larger, or low confidence).",
    };

    /// <summary>Prints one warning line per implausible case; returns the exit code the command ends with.</summary>
    public static int ReportWarnings(TextWriter output, IEnumerable<(string Case, IReadOnlyList<string> Warnings)> cases, bool failOnWarning, bool hasRecord)
    {
        int flagged = 0;
        foreach (var (name, warnings) in cases.Where(c => c.Warnings.Count > 0))
        {
            flagged++;
            output.WriteLine($"warning: {name}: implausible prediction: {string.Join("; ", warnings)}. Check it by eye; the patient may look unlike the training ones.");
        }
        if (!hasRecord)
            output.WriteLine("note: this model holds no plausibility record (trained on images, before records existed, or written by 'unet export'), so predictions were not checked.");
        return flagged > 0 && failOnWarning ? ExitCodes.Implausible : ExitCodes.Success;
    }

    public static Option<long> MaxImagePixels() => new("--max-image-pixels")
    {
        Description = "Refuse images with more pixels than this, before decoding them.",
        DefaultValueFactory = _ => MLNet.UNet.Images.ImageDimensions.DefaultMaxPixels,
    };

    /// <summary>Creates the output folder, refusing a path that is a file.</summary>
    public static DirectoryInfo EnsureFolder(DirectoryInfo folder)
    {
        if (File.Exists(folder.FullName))
            throw new ArgumentException($"--output '{folder.FullName}' is a file, not a folder.");
        try
        {
            folder.Create();
            // Named like AtomicFile's temporaries, so that one left by a killed run is removed by the next (train does).
            var probe = Path.Combine(folder.FullName, $".write-test.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--output '{folder.FullName}' cannot be written: {e.Message}", e);
        }
        return folder;
    }
}
