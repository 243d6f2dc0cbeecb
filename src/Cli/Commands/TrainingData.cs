using System.Globalization;
using System.Text.Json;

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
internal sealed record TrainingData(string Source, string? Masks, int Size, int Channels, int NeighbourSlices, double? EmptySlices, double Validation, int Seed,
    string? Classes = null, bool? LabelFractions = null, int? SplitSeed = null, bool? RedrawEmptySlices = null)
{
    public const string FileName = "training-data.json";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>
    /// Before any data is read: checks these options against the record of the run being resumed, or, for a run that
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
            var differences = Differences(Read(path));
            if (differences.Count > 0)
                throw new ArgumentException(
                    $"--resume continues the run in {folder}, which was trained on other data: {string.Join("; ", differences)}. " +
                    "Give the same options, or train into another --output folder.");
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

    List<string> Differences(TrainingData recorded) => Options().Zip(recorded.Options())
        .Where(pair => pair.Second.Value is not null && pair.First.Value != pair.Second.Value)
        .Select(pair => $"{pair.First.Option} was {pair.Second.Value}, now {pair.First.Value}")
        .ToList();

    IEnumerable<(string Option, string? Value)> Options() =>
    [
        ("--images/--volumes", Source), ("--masks", Masks ?? "not given"), ("--size", Text(Size)), ("--channels", Text(Channels)),
        ("--neighbour-slices", Text(NeighbourSlices)), ("--empty-slices", EmptySlices is { } empty ? Text(empty) : "not applicable"),
        ("--validation", Text(Validation)), ("--seed", Text(Seed)), ("the classes learned (--labels, --context-labels)", Classes),
        ("--label-fractions", LabelFractions is { } fractions ? (fractions ? "true" : "false") : null),
        ("the seed of the validation patients (--split-seed, else --seed)", SplitSeed is { } split ? Text(split) : null),
        // A volume record from before the field was kept drew its organ-free slices once.
        ("--redraw-empty-slices", EmptySlices is null ? null : RedrawEmptySlices == true ? "true" : "false"),
    ];

    static string Text(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
