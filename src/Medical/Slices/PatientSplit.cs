using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Slices;

/// <summary>One way of dividing patients into training and validation sets.</summary>
/// <param name="Training">Patients to train on.</param>
/// <param name="Validation">Patients to validate on; no patient is in both.</param>
public sealed record PatientFold(IReadOnlyList<string> Training, IReadOnlyList<string> Validation);

/// <summary>Splits by patient, never by slice: slices of one patient are too alike to be on both sides.</summary>
public static class PatientSplit
{
    /// <summary>Holds out <paramref name="validationCount"/> patients, chosen with <paramref name="seed"/>.</summary>
    public static PatientFold TrainValidation(IEnumerable<string> patientIds, int validationCount, int seed)
    {
        var ids = Distinct(patientIds);
        if (validationCount < 1 || validationCount >= ids.Count)
            throw new ArgumentException($"Holding out {validationCount} of {ids.Count} patients leaves no training or no validation patient.");
        var order = Shuffled(ids, seed);
        return new PatientFold(order.Skip(validationCount).Order().ToList(), order.Take(validationCount).Order().ToList());
    }

    /// <summary>
    /// Holds out <paramref name="fraction"/> of the patients, rounded to whole patients, chosen with
    /// <paramref name="seed"/> (as <see cref="TrainValidation"/>); all train when that rounds to none or to all.
    /// </summary>
    public static PatientFold Holdout(IEnumerable<string> patientIds, double fraction, int seed)
    {
        var ids = Distinct(patientIds);
        if (!(fraction >= 0 && fraction < 1))
            throw new ArgumentException($"The fraction of patients held out must be in [0, 1), got {fraction}.");
        int held = (int)Math.Round(ids.Count * fraction);
        return held >= 1 && held < ids.Count ? TrainValidation(ids, held, seed) : new PatientFold(ids, []);
    }

    /// <summary>
    /// The split a recipe asks for: its <see cref="TrainingRecipe.ValidationFraction"/> of the patients, drawn with its
    /// <see cref="TrainingRecipe.PatientSplitSeed"/> (as <see cref="Holdout(IEnumerable{string}, double, int)"/>).
    /// </summary>
    public static PatientFold Holdout(IEnumerable<PatientVolume> patients, TrainingRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(recipe);
        return Holdout(patients.Select(p => p.PatientId), recipe.ValidationFraction, recipe.PatientSplitSeed);
    }

    /// <summary>k folds; every patient is validated exactly once.</summary>
    public static IReadOnlyList<PatientFold> KFold(IEnumerable<string> patientIds, int folds, int seed)
    {
        var ids = Distinct(patientIds);
        if (folds < 2 || folds > ids.Count)
            throw new ArgumentException($"{folds} folds of {ids.Count} patients: need 2 <= folds <= patients.");
        var order = Shuffled(ids, seed);
        return Enumerable.Range(0, folds).Select(f =>
        {
            var validation = order.Where((_, i) => i % folds == f).Order().ToList();
            return new PatientFold(order.Except(validation).Order().ToList(), validation);
        }).ToList();
    }

    static List<string> Distinct(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return ids.Distinct().Order().ToList();
    }

    static List<string> Shuffled(List<string> ids, int seed)
    {
        var order = ids.ToArray();
        new Random(seed).Shuffle(order);
        return order.ToList();
    }
}
