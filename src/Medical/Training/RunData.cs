using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Training;

/// <summary>
/// What a volume run trains on besides its recipe, recorded beside its checkpoint (<see cref="VolumeTraining.RunDataFile"/>):
/// the patients on each side and the label values each class learns. A resume on other patients, other labels or
/// other slices would mix two datasets in one model without saying so; the checkpoint itself compares only the
/// network and the trainer. Patients are known by their IDs and by a fingerprint of their voxels, so that the same IDs
/// read from another series of the same patients (T1 for T2), or a label file redrawn, are told apart.
/// </summary>
/// <param name="Training">The training patients.</param>
/// <param name="Validation">The validation patients.</param>
/// <param name="Classes">The label values of each class after the background, in class order, as "1" or "2,3".</param>
/// <param name="Voxels">
/// Per patient, a fingerprint of its image and label (grid, spacing, stored orientation and values, as given to the
/// run); absent in records written before it was kept, and then not compared.
/// </param>
internal sealed record RunData(IReadOnlyList<string> Training, IReadOnlyList<string> Validation, IReadOnlyList<string> Classes,
    IReadOnlyDictionary<string, string>? Voxels = null)
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The record of a run on <paramref name="fold"/> of <paramref name="patients"/> that learns <paramref name="classes"/>.</summary>
    public static RunData Of(PatientFold fold, IReadOnlyList<PatientVolume> patients, LabelMapping classes) => new(fold.Training, fold.Validation,
        Enumerable.Range(1, classes.ClassCount - 1).Select(c => string.Join(",", classes.ValuesOf(c))).ToList(),
        patients.Where(p => fold.Training.Contains(p.PatientId) || fold.Validation.Contains(p.PatientId))
            .ToDictionary(p => p.PatientId, Fingerprint));

    // The first 16 bytes of a SHA-256 of the grid, the spacing, the orientation (which turns a patient's slices in
    // training) and the values of the image and the label: enough to tell two series or two label files apart, short
    // enough to read in the record.
    static string Fingerprint(PatientVolume patient)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var volume in new[] { patient.Image, patient.Label })
        {
            hash.AppendData(MemoryMarshal.AsBytes<int>([volume.SizeX, volume.SizeY, volume.SizeZ]));
            hash.AppendData(MemoryMarshal.AsBytes<double>([volume.SpacingX, volume.SpacingY, volume.SpacingZ]));
            hash.AppendData(Encoding.UTF8.GetBytes(volume.AxisCodes ?? "-"));
            hash.AppendData(MemoryMarshal.AsBytes<float>(volume.Data));
        }
        return Convert.ToHexString(hash.GetHashAndReset(), 0, 16);
    }

    /// <summary>
    /// Before a resume loads any slice: refuses it when the recipe's data settings
    /// (<see cref="TrainingRecipe.DataDifferencesFrom"/>), the patients, their voxels or the classes are not those the
    /// checkpoint's run recorded, naming each. What the run did not record is not compared, and said in a log line.
    /// </summary>
    /// <exception cref="ArgumentException">The run to resume was trained on other data.</exception>
    /// <exception cref="InvalidDataException">A record of the run to resume is damaged; the message names the file.</exception>
    public void CheckResume(string folder, TrainingRecipe recipe, TextWriter log)
    {
        var differences = new List<string>();
        var recipePath = Path.Combine(folder, VolumeTraining.RecipeFile);
        if (File.Exists(recipePath))
            differences.AddRange(recipe.DataDifferencesFrom(Recorded(recipePath, TrainingRecipe.ReadJson))
                .Select(d => $"{d.Path}: the run's {d.OtherValue}, asked {d.Value}"));
        else
            log.WriteLine($"No recipe of the checkpoint's run ({recipePath}); its slice settings are not compared.");
        var path = Path.Combine(folder, VolumeTraining.RunDataFile);
        if (File.Exists(path))
        {
            var recorded = Recorded(path, Read);
            if (recorded.Voxels is null)
                log.WriteLine($"The record of the checkpoint's patients ({path}) has no fingerprints of their voxels; they are compared by ID alone.");
            differences.AddRange(DifferencesFrom(recorded));
        }
        else
            log.WriteLine($"No record of the checkpoint's patients and classes ({path}); resuming with the ones given.");
        if (differences.Count > 0)
            throw new ArgumentException(
                $"The run in {folder} was trained on other data than asked for: {string.Join("; ", differences)}. Resume with " +
                (File.Exists(recipePath) ? $"its recipe ({recipePath}), " : "its slice settings, ") + "patients and labels, or train into another folder.");
    }

    /// <summary>Records this run's patients, their fingerprints and its classes in <paramref name="folder"/>, atomically.</summary>
    public void Record(string folder) =>
        AtomicFile.Write(Path.Combine(folder, VolumeTraining.RunDataFile), stream => JsonSerializer.Serialize(stream, this, Json));

    IEnumerable<string> DifferencesFrom(RunData recorded)
    {
        foreach (var (side, asked, run) in new[] { ("training", Training, recorded.Training), ("validation", Validation, recorded.Validation) })
        {
            var added = asked.Except(run).Order(StringComparer.Ordinal).ToList();
            var missing = run.Except(asked).Order(StringComparer.Ordinal).ToList();
            if (added.Count + missing.Count > 0)
                yield return $"{side} patients: " + string.Join(" and ",
                    new[] { added.Count > 0 ? $"asked {string.Join(", ", added)} (not the run's)" : null,
                        missing.Count > 0 ? $"not asked {string.Join(", ", missing)} (the run's)" : null }.OfType<string>());
        }
        if (Voxels is not null && recorded.Voxels is not null)
        {
            var changed = Voxels.Where(p => recorded.Voxels.TryGetValue(p.Key, out var run) && run != p.Value).Select(p => p.Key)
                .Order(StringComparer.Ordinal).ToList();
            if (changed.Count > 0)
                yield return $"{(changed.Count == 1 ? "patient" : "patients")} {string.Join(", ", changed)}: other voxels than the run's " +
                             "(another series, or a file changed, resampled or turned)";
        }
        // Class by class, in order: the same organs in another order teach each class another organ.
        static string Text(IReadOnlyList<string> classes) => string.Join("; ", classes.Select((values, i) => $"class {i + 1}: {values}"));
        if (!Classes.SequenceEqual(recorded.Classes))
            yield return $"label values per class: the run's {Text(recorded.Classes)}, asked {Text(Classes)}";
    }

    static RunData Read(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<RunData>(stream, Json) is { Training: not null, Validation: not null, Classes: not null } data
            ? data : throw new InvalidDataException($"{path} does not list the run's patients and classes.");
    }

    static T Recorded<T>(string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is damaged: {e.Message.TrimEnd('.')}. Delete it to resume without comparing it.", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{e.Message.TrimEnd('.')}. Delete it to resume without comparing it.", e);
        }
    }
}
