namespace MLNet.UNet.Medical.Slices;

/// <summary>Maps label values of a volume to training classes; values not listed map to background (0).</summary>
public sealed class LabelMapping
{
    readonly Dictionary<int, int> classes;

    /// <summary>Creates a mapping from source label value to class index.</summary>
    public LabelMapping(IReadOnlyDictionary<int, int> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count == 0 || classes.Values.Any(c => c < 0))
            throw new ArgumentException("A label mapping needs at least one entry, with class indices of 0 or more.");
        this.classes = new Dictionary<int, int>(classes);
    }

    /// <summary>CHAOS MR: liver (1) is the foreground; kidneys, spleen and background are 0.</summary>
    public static LabelMapping Liver => new(new Dictionary<int, int> { [1] = 1 });

    /// <summary>The label values that map to <paramref name="classIndex"/>, in increasing order.</summary>
    public IEnumerable<int> ValuesOf(int classIndex) => classes.Where(p => p.Value == classIndex).Select(p => p.Key).Order();

    /// <summary>Number of classes, background included.</summary>
    public int ClassCount => classes.Values.Max() + 1;

    /// <summary>The class of a label value (rounded to the nearest integer, as labels stored as floats are).</summary>
    public float Map(float value) => classes.TryGetValue((int)MathF.Round(value), out var mapped) ? mapped : 0;

    /// <summary>
    /// This one-organ mapping with the structures of <paramref name="contextLabels"/> added, a class each from 2 in the order
    /// given: what a network learns when it is to tell the organ from its neighbours (<see cref="Recipes.TrainingRecipe.ContextLabels"/>).
    /// </summary>
    /// <exception cref="ArgumentException">This mapping is not of one organ, or a context value is the organ's or repeated.</exception>
    public LabelMapping WithContext(IReadOnlyList<int> contextLabels)
    {
        ArgumentNullException.ThrowIfNull(contextLabels);
        if (ClassCount != 2)
            throw new ArgumentException($"Context labels are added to a one-organ mapping; this one has {ClassCount - 1} classes besides the background.");
        var withContext = new Dictionary<int, int>(classes);
        for (int k = 0; k < contextLabels.Count; k++)
        {
            int value = contextLabels[k];
            if (withContext.TryGetValue(value, out var taken) && taken != 0)
                throw new ArgumentException(taken == 1
                    ? $"Context label {value} is a label value of the organ itself ({string.Join(", ", ValuesOf(1))}); a context label names another structure."
                    : $"Context label {value} is given twice.");
            withContext[value] = k + 2;
        }
        return new LabelMapping(withContext);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when some class has no voxel in any of the patients' label volumes: its
    /// label values occur nowhere (a typo in a label value, or labels coded otherwise), and the network would learn it
    /// from empty masks. The message names the missing values and the values the volumes hold.
    /// </summary>
    /// <param name="patients">The patients whose labels must hold every class.</param>
    /// <param name="role">What the patients are, for the message ("training").</param>
    public void CheckEveryClassOccurs(IReadOnlyCollection<PatientVolume> patients, string role)
    {
        ArgumentNullException.ThrowIfNull(patients);
        CheckEveryClassOccurs(ValuesIn(patients), patients.Count, role);
    }

    /// <summary><see cref="CheckEveryClassOccurs(IReadOnlyCollection{PatientVolume}, string)"/> on the values <see cref="ValuesIn"/> found.</summary>
    /// <param name="present">The label values of the patients' label volumes.</param>
    /// <param name="patientCount">How many patients they came from, for the message.</param>
    /// <param name="role">What the patients are, for the message ("training").</param>
    public void CheckEveryClassOccurs(IReadOnlySet<int> present, int patientCount, string role)
    {
        ArgumentNullException.ThrowIfNull(present);
        var values = Enumerable.Range(1, ClassCount - 1).Where(c => !ValuesOf(c).Any(present.Contains)).SelectMany(ValuesOf).ToList();
        if (values.Count == 0)
            return;
        throw new ArgumentException(
            $"Label value{(values.Count > 1 ? "s" : "")} {string.Join(", ", values)} occur{(values.Count > 1 ? "" : "s")} in none of the {patientCount} {role} patients' label volumes, " +
            $"which hold the values {string.Join(", ", present.Order())}: give label values that the label volumes use.");
    }

    /// <summary>The label values (rounded to integers) that occur in the patients' label volumes.</summary>
    public static IReadOnlySet<int> ValuesIn(IEnumerable<PatientVolume> patients)
    {
        ArgumentNullException.ThrowIfNull(patients);
        var present = new HashSet<int>();
        foreach (var patient in patients)
            foreach (float value in patient.Label.Data)
                present.Add((int)MathF.Round(value));
        return present;
    }

    /// <summary>The voxels of a label volume that map to class 1 (the organ of a binary model).</summary>
    public bool[] Foreground(Volumes.Volume label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return Array.ConvertAll(label.Data, v => Map(v) == 1);
    }
}
