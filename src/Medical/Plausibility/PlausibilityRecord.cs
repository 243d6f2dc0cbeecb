using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Plausibility;

/// <summary>
/// What a model predicted on the volumes it was trained on: the range of organ volumes, the largest organ slice
/// and the lowest mean confidence inside the organ. A prediction far outside it (an organ half as large as the
/// smallest seen, or half again as large as the largest, or a model much less sure than it ever was on its own
/// training data) is implausible and is flagged: the patient may look unlike the training ones (an iron-loaded,
/// dark liver), and the mask should not be trusted unseen. Stored inside the model zip.
/// </summary>
/// <param name="Cases">Volumes the record was made from.</param>
/// <param name="VolumeMlMin">Smallest predicted organ volume, ml.</param>
/// <param name="VolumeMlMax">Largest predicted organ volume, ml.</param>
/// <param name="LargestSliceMlMax">Largest organ volume in one slice, ml; checked only where the record or the prediction has no area (<see cref="LargestSliceCm2Max"/>).</param>
/// <param name="MeanConfidenceMin">Lowest mean probability inside a predicted organ.</param>
public sealed record PlausibilityRecord(int Cases, double VolumeMlMin, double VolumeMlMax, double LargestSliceMlMax, double MeanConfidenceMin)
{
    /// <summary>Below this fraction of the smallest volume seen, an organ is flagged as too small.</summary>
    public const double SmallFactor = 0.5;

    /// <summary>Above this multiple of the largest volume (or slice) seen, an organ is flagged as too large.</summary>
    public const double LargeFactor = 1.5;

    /// <summary>A mean confidence this far below the lowest seen is flagged.</summary>
    public const double ConfidenceMargin = 0.1;

    /// <summary>
    /// How the training volumes lay (orientation, slice width in mm), which each new volume is checked against; null in
    /// records written before it was kept, and then not checked.
    /// </summary>
    public InputGeometry? Geometry { get; init; }

    /// <summary>
    /// Largest organ area in one slice, cm², which each prediction's fullest slice is checked against whatever its
    /// slice thickness; null in records written before it was kept, which check <see cref="LargestSliceMlMax"/> instead.
    /// </summary>
    public double? LargestSliceCm2Max { get; init; }

    /// <summary>The zip entry that holds the record.</summary>
    public const string EntryName = "MLNet.UNet/plausibility.json";

    /// <summary>
    /// The record of a set of predictions (the model's, on its training volumes); it keeps the fullest slice's area only
    /// when every prediction measured it.
    /// </summary>
    public static PlausibilityRecord From(IReadOnlyCollection<OrganStatistics> seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        var organs = seen.Where(s => s.VolumeMl > 0).ToList();
        if (organs.Count == 0)
            throw new ArgumentException("No prediction holds any organ, so there is nothing to learn a plausible range from.", nameof(seen));
        return new PlausibilityRecord(organs.Count, organs.Min(s => s.VolumeMl), organs.Max(s => s.VolumeMl),
            organs.Max(s => s.LargestSliceMl), organs.Min(s => s.MeanConfidence))
        {
            LargestSliceCm2Max = organs.All(s => double.IsFinite(s.LargestSliceCm2)) ? organs.Max(s => s.LargestSliceCm2) : null,
        };
    }

    /// <summary>
    /// A warning about a mask returned raw, which was checked as it would be post-processed (as the record was made): says
    /// so, since its figures are not those of the mask returned.
    /// </summary>
    public static string MeasuredPostProcessed(string warning) => $"{warning} (measured post-processed, as the record was)";

    /// <summary>The warnings for one prediction; empty when it is within what the model saw.</summary>
    public IReadOnlyList<string> Check(OrganStatistics prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var warnings = new List<string>();
        if (prediction.VolumeMl < SmallFactor * VolumeMlMin)
            warnings.Add(FormattableString.Invariant($"organ volume {prediction.VolumeMl:F0} ml is far below the smallest seen in training ({VolumeMlMin:F0} ml)"));
        if (prediction.VolumeMl > LargeFactor * VolumeMlMax)
            warnings.Add(FormattableString.Invariant($"organ volume {prediction.VolumeMl:F0} ml is far above the largest seen in training ({VolumeMlMax:F0} ml)"));
        // By area where both sides know it: millilitres in a slice grow with its thickness, and a volume of thicker slices
        // than the training's would be flagged for that alone.
        if (LargestSliceCm2Max is { } areaMax && double.IsFinite(areaMax) && areaMax > 0 && double.IsFinite(prediction.LargestSliceCm2))
        {
            if (prediction.LargestSliceCm2 > LargeFactor * areaMax)
                warnings.Add(FormattableString.Invariant($"the fullest slice holds {prediction.LargestSliceCm2:F0} cm² of organ, far above the most seen in training ({areaMax:F0} cm²)"));
        }
        else if (prediction.LargestSliceMl > LargeFactor * LargestSliceMlMax)
            warnings.Add(FormattableString.Invariant($"the fullest slice holds {prediction.LargestSliceMl:F1} ml of organ, far above the most seen in training ({LargestSliceMlMax:F1} ml)"));
        if (prediction.VolumeMl > 0 && prediction.MeanConfidence < MeanConfidenceMin - ConfidenceMargin)
            warnings.Add(FormattableString.Invariant($"mean confidence inside the organ {prediction.MeanConfidence:F2} is below any seen in training ({MeanConfidenceMin:F2})"));
        return warnings;
    }

    /// <summary>The warnings for one prediction and the volume it was made on: the organ's, then the volume's <see cref="Geometry"/>'s.</summary>
    public IReadOnlyList<string> Check(OrganStatistics prediction, Volume image) => [.. Check(prediction), .. Geometry?.Check(image) ?? []];

    /// <summary>The ranges, as the training log and <c>unet info</c> print them: "organ 1050-3490 ml, at most 150 cm² in a slice, ...".</summary>
    public override string ToString()
    {
        string slice = LargestSliceCm2Max is { } area ? FormattableString.Invariant($"{area:F0} cm²") : FormattableString.Invariant($"{LargestSliceMlMax:F1} ml");
        return FormattableString.Invariant($"organ {VolumeMlMin:F0}-{VolumeMlMax:F0} ml, at most {slice} in a slice, mean confidence at least {MeanConfidenceMin:F2}; ") +
               (Geometry?.ToString() ?? "no geometry recorded");
    }

    /// <summary>Adds (or replaces) the record in a model zip, atomically.</summary>
    public void SaveIntoModel(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"Model '{modelPath}' does not exist.", modelPath);
        AtomicFile.WriteVia(modelPath, temporary =>
        {
            File.Copy(modelPath, temporary);
            WriteInto(temporary);
        });
    }

    /// <summary>
    /// Adds (or replaces) the record in a model zip in place, for a file not yet under its final name (inside
    /// <see cref="AtomicFile.WriteVia"/>). ML.NET's <c>Model.Load</c> ignores the entry.
    /// </summary>
    public void WriteInto(string modelPath) => ModelZipEntry.Write(modelPath, EntryName, this);

    /// <summary>The record stored in a model zip, or null when the model has none (trained before records, or on images).</summary>
    /// <exception cref="InvalidDataException">The zip or the record is damaged.</exception>
    public static PlausibilityRecord? ReadFromModel(string modelPath) => ModelZipEntry.Read<PlausibilityRecord>(modelPath, EntryName, "plausibility record");
}
