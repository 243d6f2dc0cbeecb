using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Plausibility;

/// <summary>
/// <see cref="PlausibilityRecord"/>s for a model of several organs, one per organ, made from its predictions on its
/// training volumes and stored in the model zip. Each organ of a new prediction is checked against its own record, so
/// that a liver far smaller than any seen is flagged even when the kidneys and spleen look ordinary. An organ the model
/// never predicted on its training volumes has no record and is not checked.
/// </summary>
/// <param name="Organs">Each organ's name and record, in class order; a null record for an organ never predicted.</param>
public sealed record OrganPlausibility(IReadOnlyList<OrganPlausibility.OrganRecord> Organs)
{
    /// <summary>One organ's record.</summary>
    /// <param name="Organ">The organ's name.</param>
    /// <param name="Record">Its record; null when the training volumes gave it no prediction to learn from.</param>
    public sealed record OrganRecord(string Organ, PlausibilityRecord? Record);

    /// <summary>How the training volumes lay (orientation, slice width in mm); null in records written before it was kept.</summary>
    public InputGeometry? Geometry { get; init; }

    /// <summary>The zip entry that holds the records.</summary>
    public const string EntryName = "MLNet.UNet/organ-plausibility.json";

    /// <summary>The records of a set of predictions (the model's, on its training volumes).</summary>
    /// <param name="organs">The organs' names, in class order.</param>
    /// <param name="seen">Per volume, the statistics of each organ, in the same order.</param>
    /// <exception cref="ArgumentException">There is no volume, or a volume has statistics for another number of organs.</exception>
    public static OrganPlausibility From(IReadOnlyList<string> organs, IReadOnlyCollection<IReadOnlyList<OrganStatistics>> seen)
    {
        ArgumentNullException.ThrowIfNull(organs);
        ArgumentNullException.ThrowIfNull(seen);
        if (seen.Count == 0)
            throw new ArgumentException("There is no prediction to learn a plausible range from.", nameof(seen));
        if (seen.FirstOrDefault(s => s.Count != organs.Count) is { } other)
            throw new ArgumentException($"A volume has statistics for {other.Count} organs, expected {organs.Count} ({string.Join(", ", organs)}).", nameof(seen));
        return new OrganPlausibility([.. organs.Select((organ, i) =>
        {
            var predicted = seen.Select(s => s[i]).Where(s => s.VolumeMl > 0).ToList();
            return new OrganRecord(organ, predicted.Count > 0 ? PlausibilityRecord.From(predicted) : null);
        })]);
    }

    /// <summary>The warnings for one prediction, each naming its organ; empty when every organ is within what the model saw.</summary>
    /// <param name="prediction">The statistics of each organ, in class order.</param>
    public IReadOnlyList<string> Check(IReadOnlyList<OrganStatistics> prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (prediction.Count != Organs.Count)
            throw new ArgumentException($"The prediction has statistics for {prediction.Count} organs; the record holds {Organs.Count}.", nameof(prediction));
        return [.. Organs.Zip(prediction).SelectMany(pair => pair.First.Record?.Check(pair.Second).Select(w => $"{pair.First.Organ}: {w}") ?? [])];
    }

    /// <summary>The warnings for one prediction and the volume it was made on: each organ's, then the volume's <see cref="Geometry"/>'s.</summary>
    public IReadOnlyList<string> Check(IReadOnlyList<OrganStatistics> prediction, Volume image) => [.. Check(prediction), .. Geometry?.Check(image) ?? []];

    /// <summary>One line per organ: its volume range and lowest confidence, or that it has no record; then the geometry.</summary>
    public override string ToString() => string.Join("; ", Organs.Select(o => o.Record is { } r
        ? $"{o.Organ} {r.VolumeMlMin:F0}-{r.VolumeMlMax:F0} ml, confidence at least {r.MeanConfidenceMin:F2}"
        : $"{o.Organ} never predicted (not checked)").Append(Geometry?.ToString() ?? "no geometry recorded"));

    /// <summary>Adds (or replaces) the records in a model zip in place, for a file not yet under its final name (inside <see cref="AtomicFile.WriteVia"/>).</summary>
    public void WriteInto(string modelPath) => ModelZipEntry.Write(modelPath, EntryName, this);

    /// <summary>The records stored in a model zip, or null when it has none (a model of one organ, or trained before them).</summary>
    /// <exception cref="InvalidDataException">The stored records are damaged.</exception>
    public static OrganPlausibility? ReadFromModel(string modelPath)
    {
        var read = ModelZipEntry.Read<OrganPlausibility>(modelPath, EntryName, "organ plausibility record");
        if (read is not null && (read.Organs is null || read.Organs.Any(o => o is null || string.IsNullOrWhiteSpace(o.Organ))))
            throw new InvalidDataException($"The organ plausibility record in '{modelPath}' is damaged: expected a list of organs, each with its name and record.");
        return read;
    }
}
