using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MLNet.UNet.Images;

namespace MLNet.UNet.Cli.Commands;

/// <summary>
/// The options that choose a training run's data, recorded beside its checkpoint: a resumed run on other data would
/// mix two datasets, or two validation splits, in one model without saying so.
/// </summary>
/// <param name="Source">The --images or --volumes folder.</param>
/// <param name="Masks">The --masks folder, if given.</param>
/// <param name="Size">--size.</param>
/// <param name="Channels">--channels (images).</param>
/// <param name="NeighbourSlices">--neighbour-slices (volumes).</param>
/// <param name="EmptySlices">--empty-slices (volumes; null for images).</param>
/// <param name="Validation">--validation.</param>
/// <param name="Seed">--seed, which draws the slices kept, and the validation split unless --split-seed is given.</param>
/// <param name="Classes">
/// The label values the network learns, class by class (--labels, or the organ and --context-labels); null for images
/// and in records written before it was kept, where it is not compared.
/// </param>
/// <param name="LabelFractions">
/// --label-fractions (volumes), which changes the training target; null for images and in records written before it
/// was kept, where it is not compared.
/// </param>
/// <param name="RedrawEmptySlices">
/// --redraw-empty-slices (volumes), which changes the slices loaded; null for images, and false in volume records
/// written before it was kept (they drew once).
/// </param>
/// <param name="SplitSeed">
/// The seed that drew the validation patients (--split-seed, else --seed; volumes); null for images and in records
/// written before it was kept, where it is not compared.
/// </param>
/// <param name="Files">
/// Per image (its file name), a fingerprint of the image's and its mask's bytes (<see cref="FilesOf"/>): an image or
/// mask changed, added or removed is other data; where both records hold them, they are compared instead of the folders. Null for volumes (the library fingerprints each
/// patient's voxels) and in image records written before it was kept, where the folder alone is compared.
/// </param>
internal sealed record TrainingData(string Source, string? Masks, int Size, int Channels, int NeighbourSlices, double? EmptySlices, double Validation, int Seed,
    string? Classes = null, bool? LabelFractions = null, int? SplitSeed = null, bool? RedrawEmptySlices = null,
    IReadOnlyDictionary<string, string>? Files = null)
{
    public const string FileName = "training-data.json";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>
    /// Before training loads any data: checks these options against the record of the run being resumed, or, for a run that
    /// starts now, records them. A resume records them once its first epoch has ended (<see cref="Record"/>), so that a
    /// resume refused later, by the checkpoint, leaves the record as it was.
    /// </summary>
    /// <returns>Whether the options are still to be recorded, once the resume is accepted.</returns>
    /// <exception cref="ArgumentException">The run being resumed was trained on other data.</exception>
    /// <exception cref="InvalidDataException">The record is damaged.</exception>
    public bool CheckOrRecord(string folder, bool resumingACheckpoint, TextWriter output)
    {
        var path = Path.Combine(folder, FileName);
        if (!resumingACheckpoint)
        {
            Record(folder);
            return false;
        }
        if (File.Exists(path))
        {
            var recorded = Read(path);
            if (Files is not null && recorded.Files is null)
                output.WriteLine($"The record of the checkpoint's data ({path}) has no fingerprints of its image and mask files; they are compared by folder alone.");
            var differences = Differences(recorded);
            if (differences.Count > 0)
                throw new ArgumentException(
                    $"--resume continues the run in {folder}, which was trained on other data: {string.Join("; ", differences)}. " +
                    "Give the same options and files (put back those named), or train into another --output folder.");
        }
        else
            output.WriteLine($"No record of the data options of the checkpoint's run ({path}); resuming with the options given.");
        return true;
    }

    /// <summary>Writes these options as the record of the run in <paramref name="folder"/> (rewritten on a resume, so that a record kept before a field existed gains it).</summary>
    public void Record(string folder) => AtomicFile.Write(Path.Combine(folder, FileName), stream => JsonSerializer.Serialize(stream, this, Json));

    static TrainingData Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<TrainingData>(stream, Json)
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{path} (the data options of the run to resume) is damaged: {e.Message}. Delete it to resume without the check.", e);
        }
    }

    /// <summary>
    /// The fingerprint of each image/mask pair, keyed by the image's file name: the first 16 bytes of a SHA-256 of the
    /// mask's name and both files' lengths and bytes. The bytes, not the decoded pixels, so that a resume on another
    /// processor agrees; a file saved anew with the same pixels (other metadata or compression) counts as changed.
    /// </summary>
    public static Dictionary<string, string> FilesOf(IEnumerable<ImageMaskPair> pairs) => pairs.ToDictionary(
        pair => Path.GetFileName(pair.ImagePath),
        pair =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(pair.MaskPath)));
            foreach (var bytes in new[] { File.ReadAllBytes(pair.ImagePath), File.ReadAllBytes(pair.MaskPath) })
            {
                hash.AppendData(BitConverter.GetBytes((long)bytes.Length));
                hash.AppendData(bytes);
            }
            return Convert.ToHexString(hash.GetHashAndReset(), 0, 16);
        }, StringComparer.Ordinal);

    List<string> Differences(TrainingData recorded)
    {
        // Where both runs fingerprinted their files, the files stand in for the folders: the same files moved are the same data.
        var files = (Files, recorded.Files) is ({ } now, { } run) ? FileDifferences(now, run) : null;
        return Options().Zip(recorded.Options())
            .Where(pair => !(files is not null && pair.First.Option is SourceOption or MasksOption))
            .Where(pair => pair.Second.Value is not null && pair.First.Value != pair.Second.Value)
            .Select(pair => $"{pair.First.Option} was {pair.Second.Value}, now {pair.First.Value}")
            .Concat(files ?? [])
            .ToList();
    }

    static IEnumerable<string> FileDifferences(IReadOnlyDictionary<string, string> now, IReadOnlyDictionary<string, string> run)
    {
        var changed = now.Where(file => run.TryGetValue(file.Key, out var recorded) && recorded != file.Value).Select(file => file.Key);
        foreach (var (what, names) in new[] { ("added", now.Keys.Except(run.Keys)), ("removed", run.Keys.Except(now.Keys)), ("changed (the image or its mask)", changed) })
            if (Listed(names) is { } list)
                yield return $"images {what} since the run: {list}";
    }

    // Up to five names, then how many more.
    static string? Listed(IEnumerable<string> names)
    {
        var sorted = names.Order(StringComparer.Ordinal).ToList();
        return sorted.Count == 0 ? null
            : string.Join(", ", sorted.Take(5)) + (sorted.Count > 5 ? $" and {sorted.Count - 5} more" : "");
    }

    const string SourceOption = "--images/--volumes", MasksOption = "--masks";

    IEnumerable<(string Option, string? Value)> Options() =>
    [
        (SourceOption, Source), (MasksOption, Masks ?? "not given"), ("--size", Text(Size)), ("--channels", Text(Channels)),
        ("--neighbour-slices", Text(NeighbourSlices)), ("--empty-slices", EmptySlices is { } empty ? Text(empty) : "not applicable"),
        ("--validation", Text(Validation)), ("--seed", Text(Seed)), ("the classes learned (--labels, --context-labels)", Classes),
        ("--label-fractions", LabelFractions is { } fractions ? (fractions ? "true" : "false") : null),
        ("the seed of the validation patients (--split-seed, else --seed)", SplitSeed is { } split ? Text(split) : null),
        // A volume record from before the field was kept drew its organ-free slices once.
        ("--redraw-empty-slices", EmptySlices is null ? null : RedrawEmptySlices == true ? "true" : "false"),
    ];

    static string Text(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
