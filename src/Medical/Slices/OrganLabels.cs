namespace MLNet.UNet.Medical.Slices;

/// <summary>One organ of a model of several: its name and its value in the label volumes.</summary>
/// <param name="Name">The organ's name, as reports and the tool show it.</param>
/// <param name="Value">Its value in the label volumes (CHAOS MR: 1 liver, 2 right kidney, 3 left kidney, 4 spleen).</param>
public sealed record Organ(string Name, int Value);

/// <summary>
/// The organs a model of several classes segments, in class order: organ i is class i + 1, the background class 0. It
/// gives the label mapping for the slices, the names for the reports, and is stored in the model zip so that evaluation
/// and prediction read it back.
/// </summary>
public sealed class OrganLabels
{
    /// <summary>The zip entry it is stored in.</summary>
    public const string EntryName = "MLNet.UNet/organs.json";

    /// <summary>The organs, class 1 first.</summary>
    public IReadOnlyList<Organ> Organs { get; }

    /// <summary>Creates the list, checking that names and values are given once each and values are 1 to 255 (label maps are written as uint8).</summary>
    public OrganLabels(IReadOnlyList<Organ> organs)
    {
        ArgumentNullException.ThrowIfNull(organs);
        if (organs.Count == 0)
            throw new ArgumentException("Name at least one organ, e.g. liver=1.");
        if (organs.FirstOrDefault(o => string.IsNullOrWhiteSpace(o.Name) || o.Value is < 1 or > 255) is { } bad)
            throw new ArgumentException($"Organ '{bad.Name}={bad.Value}': each organ needs a name and a label value from 1 to 255 (0 is the background; label maps are uint8).");
        if (organs.GroupBy(o => o.Name).FirstOrDefault(g => g.Count() > 1) is { } name)
            throw new ArgumentException($"Organ '{name.Key}' is named twice.");
        if (organs.GroupBy(o => o.Value).FirstOrDefault(g => g.Count() > 1) is { } value)
            throw new ArgumentException($"Label value {value.Key} is given to {string.Join(" and ", value.Select(o => o.Name))}.");
        Organs = organs;
    }

    /// <summary>CHAOS MR's four abdominal organs.</summary>
    public static OrganLabels ChaosAbdomen => Parse("liver=1,kidney-right=2,kidney-left=3,spleen=4");

    /// <summary>Classes, the background included.</summary>
    public int ClassCount => Organs.Count + 1;

    /// <summary>The organs' names, class 1 first.</summary>
    public IReadOnlyList<string> Names => [.. Organs.Select(o => o.Name)];

    /// <summary>Parses <c>name=value,name=value,...</c>, e.g. <c>liver=1,spleen=4</c>.</summary>
    /// <exception cref="ArgumentException">The text is not a list of name=value pairs, or a name or value repeats.</exception>
    public static OrganLabels Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return new OrganLabels([.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var parts = pair.Split('=', StringSplitOptions.TrimEntries);
            return parts.Length == 2 && int.TryParse(parts[1], out int value)
                ? new Organ(parts[0], value)
                : throw new ArgumentException($"'{pair}' is not name=value; expected organs as e.g. liver=1,kidney-right=2,kidney-left=3,spleen=4.");
        })]);
    }

    /// <summary>The organs as <c>name=value,...</c>, as <see cref="Parse"/> reads them.</summary>
    public override string ToString() => string.Join(",", Organs.Select(o => $"{o.Name}={o.Value}"));

    /// <summary>The mapping of label values to classes: organ i to class i + 1, everything else to the background.</summary>
    public LabelMapping ToMapping() => new(Organs.Select((o, i) => (o.Value, Class: i + 1)).ToDictionary(p => p.Value, p => p.Class));

    /// <summary>The class of the organ named <paramref name="name"/>, ignoring case; null when the model does not segment it.</summary>
    public int? ClassOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int index = Organs.ToList().FindIndex(o => o.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        return index < 0 ? null : index + 1;
    }

    /// <summary>The mapping of a one-class model of the organ named <paramref name="name"/>: its label value is the foreground.</summary>
    /// <exception cref="ArgumentException">No organ has that name.</exception>
    public LabelMapping MappingOf(string name) => ClassOf(name) is int organClass
        ? new(new Dictionary<int, int> { [Organs[organClass - 1].Value] = 1 })
        : throw new ArgumentException($"No organ is named '{name}' among {this}.", nameof(name));

    /// <summary>Stores the organs in a model zip (replacing any stored before).</summary>
    public void WriteInto(string modelPath) => ModelZipEntry.Write(modelPath, EntryName, Organs);

    /// <summary>The organs stored in a model zip, or null for a model of one class (which stores none).</summary>
    /// <exception cref="InvalidDataException">The stored list is damaged.</exception>
    public static OrganLabels? ReadFromModel(string modelPath)
    {
        var organs = ModelZipEntry.Read<List<Organ>>(modelPath, EntryName, "organ list");
        try
        {
            return organs is null ? null : new OrganLabels(organs);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The organ list in '{modelPath}' is damaged ({e.Message}).", e);
        }
    }
}
