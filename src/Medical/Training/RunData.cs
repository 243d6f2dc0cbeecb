using System.Text.Json;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Training;

/// <summary>
/// What a volume run trains on besides its recipe, recorded beside its checkpoint (<see cref="VolumeTraining.RunDataFile"/>):
/// the patients on each side and the label values each class learns. A resume on other patients, other labels or
/// other slices would mix two datasets in one model without saying so; the checkpoint itself compares only the
/// network and the trainer.
/// </summary>
/// <param name="Training">The training patients.</param>
/// <param name="Validation">The validation patients.</param>
/// <param name="Classes">The label values of each class after the background, as "1" or "2,3".</param>
internal sealed record RunData(IReadOnlyList<string> Training, IReadOnlyList<string> Validation, IReadOnlyList<string> Classes)
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The record of a run on <paramref name="fold"/> that learns <paramref name="classes"/>.</summary>
    public static RunData Of(PatientFold fold, LabelMapping classes) => new(fold.Training, fold.Validation,
        Enumerable.Range(1, classes.ClassCount - 1).Select(c => string.Join(",", classes.ValuesOf(c))).ToList());

    /// <summary>
    /// Before any slice is loaded: when <paramref name="resuming"/>, refuses a run whose recipe's data settings
    /// (<see cref="TrainingRecipe.DataDifferencesFrom"/>), patients or classes are not those the checkpoint's run
    /// recorded, naming each; otherwise records this run's. A run that recorded nothing is resumed with a log line.
    /// </summary>
    /// <exception cref="ArgumentException">The run to resume was trained on other data.</exception>
    /// <exception cref="InvalidDataException">A record of the run to resume is damaged; the message names the file.</exception>
    public void CheckOrRecord(string folder, TrainingRecipe recipe, bool resuming, TextWriter log)
    {
        var path = Path.Combine(folder, VolumeTraining.RunDataFile);
        if (resuming)
        {
            var differences = new List<string>();
            var recipePath = Path.Combine(folder, VolumeTraining.RecipeFile);
            if (File.Exists(recipePath))
                differences.AddRange(recipe.DataDifferencesFrom(Recorded(recipePath, TrainingRecipe.ReadJson))
                    .Select(d => $"{d.Path}: the run's {d.OtherValue}, asked {d.Value}"));
            else
                log.WriteLine($"No recipe of the checkpoint's run ({recipePath}); its slices are not compared.");
            if (File.Exists(path))
                differences.AddRange(DifferencesFrom(Recorded(path, Read)));
            else
                log.WriteLine($"No record of the checkpoint's patients and classes ({path}); resuming with the ones given.");
            if (differences.Count > 0)
                throw new ArgumentException(
                    $"The run in {folder} was trained on other data than asked for: {string.Join("; ", differences)}. Resume with its recipe " +
                    $"({recipePath}), patients and labels, or train into another folder.");
        }
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, this, Json));
    }

    IEnumerable<string> DifferencesFrom(RunData recorded)
    {
        static string Text(IReadOnlyList<string> values) => values.Count == 0 ? "none" : string.Join(", ", values);
        foreach (var (name, asked, run) in new[] { ("training patients", Training, recorded.Training), ("validation patients", Validation, recorded.Validation),
                     ("label values per class", Classes, recorded.Classes) })
            if (!asked.Order(StringComparer.Ordinal).SequenceEqual(run.Order(StringComparer.Ordinal)))
                yield return $"{name}: the run's {Text(run)}, asked {Text(asked)}";
    }

    static RunData Read(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<RunData>(stream, Json) is { Training: not null, Validation: not null, Classes: not null } data
            ? data : throw new InvalidDataException($"{path} does not list the run's patients and classes.");
    }

    const string WhatToDo = "It records the run to resume: delete it to resume without comparing it.";

    static T Recorded<T>(string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is damaged: {e.Message.TrimEnd('.')}. {WhatToDo}", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{e.Message.TrimEnd('.')}. {WhatToDo}", e);
        }
    }
}
