namespace MLNet.UNet.Medical.Slices;

/// <summary>
/// The label values a one-organ model was trained to segment (those its <see cref="LabelMapping"/> sends to the
/// foreground), stored in its zip so that it is evaluated against the same values and an ensemble can check that its
/// models segment the same thing. A model of several organs stores <see cref="OrganLabels"/> instead.
/// </summary>
/// <param name="Values">The label values of the foreground, in increasing order.</param>
public sealed record ForegroundLabels(IReadOnlyList<int> Values)
{
    /// <summary>The zip entry that holds them; ML.NET's Model.Load ignores it.</summary>
    public const string EntryName = "MLNet.UNet/foreground.json";

    /// <summary>The values that <paramref name="mapping"/> sends to class 1.</summary>
    /// <exception cref="ArgumentException">No value maps to class 1.</exception>
    public static ForegroundLabels Of(LabelMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        int[] values = [.. mapping.ValuesOf(1)];
        return values.Length > 0 ? new(values) : throw new ArgumentException("The label mapping sends no value to the organ (class 1).", nameof(mapping));
    }

    /// <summary>The mapping to evaluate the model with: these values are the foreground, everything else the background.</summary>
    public LabelMapping ToMapping() => new(Values.ToDictionary(v => v, _ => 1));

    /// <summary>Whether the model segments exactly the one label value <paramref name="value"/>.</summary>
    public bool IsExactly(int value) => Values.Count == 1 && Values[0] == value;

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", Values);

    /// <summary>Stores the values in a model zip (replacing any stored before).</summary>
    public void WriteInto(string modelPath) => ModelZipEntry.Write(modelPath, EntryName, this);

    /// <summary>The values stored in a model zip; null for a zip that stores none (a model of several organs, or one saved before they were stored).</summary>
    /// <exception cref="InvalidDataException">The stored values are damaged.</exception>
    public static ForegroundLabels? ReadFromModel(string modelPath)
    {
        var stored = ModelZipEntry.Read<ForegroundLabels>(modelPath, EntryName, "foreground label list");
        if (stored is not null && (stored.Values is null || stored.Values.Count == 0))
            throw new InvalidDataException($"The foreground label list in '{modelPath}' is empty.");
        return stored;
    }
}
