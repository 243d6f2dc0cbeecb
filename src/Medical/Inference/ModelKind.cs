using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Export;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;

namespace MLNet.UNet.Medical.Inference;

/// <summary>
/// What a saved segmentation model expects as input, read from the input schema stored in its zip: image files (a
/// pipeline that starts with LoadImages from <see cref="ImagePathColumnName"/>) or volume slices (a
/// <see cref="SliceLoader"/> Features column), with the square size and channels its network takes.
/// </summary>
/// <param name="TakesImageFiles">True for image-file models, false for volume-slice models.</param>
/// <param name="Size">The height and width the network takes.</param>
/// <param name="Channels">The channels the network takes; for volume models, the slice and its neighbours.</param>
public sealed record ModelKind(bool TakesImageFiles, int Size, int Channels = 1)
{
    /// <summary>The input column of an image-file model: the path LoadImages reads.</summary>
    public const string ImagePathColumnName = "ImagePath";

    /// <summary>
    /// The threshold the model's pipeline applies to its probabilities (its PredictedMask column), read from the zip;
    /// null for a model of several classes. Scoring the probabilities by other means (on a volume's grid, at an image's
    /// own size) thresholds them with it.
    /// </summary>
    public float? Threshold { get; init; }

    /// <summary>
    /// The label values a one-organ model (or an ensemble's vote) segments, from its zip's <see cref="ForegroundLabels"/>
    /// or the organ voted on; null when no zip records them (zips saved before they did, which the tool takes as the liver's).
    /// </summary>
    public ForegroundLabels? Foreground { get; init; }

    /// <summary>The organs of a model of several, in class order (<see cref="OrganLabels"/> in its zip); null for a model of one organ.</summary>
    public OrganLabels? Organs { get; init; }

    /// <summary>The plausibility record of a one-organ model (or of the organ taken from a model of several); null when its zip has none.</summary>
    public PlausibilityRecord? Plausibility { get; init; }

    /// <summary>The per-organ plausibility record of a model of several organs; null when its zip has none.</summary>
    public OrganPlausibility? OrganPlausibility { get; init; }

    /// <summary>
    /// Neighbour slices on each side that a volume model's probabilities are averaged over by default
    /// (<see cref="SliceSmoothingDefault"/> in its zip; 0 when it has none).
    /// </summary>
    public int SmoothingRadius { get; init; }

    /// <summary>
    /// Whether a volume model averages over <see cref="Inference.TestTimeShifts"/> by default (<see cref="TestTimeShiftsDefault"/> in its
    /// zip; false when it has none).
    /// </summary>
    public bool TestTimeShifts { get; init; }

    /// <summary>
    /// Where a volume model's outputs sit (<see cref="Inference.OutputShift"/> in its zip, at the centres along the axes its
    /// network averages over test-time flips; <see cref="OutputShift.None"/> when it has none): its probabilities are put
    /// back on a volume's grid from there.
    /// </summary>
    public OutputShift OutputShift { get; init; } = OutputShift.None;

    /// <summary>
    /// The options that score volumes as the model's zip asks: its threshold, slice smoothing, output shift, test-time
    /// shifts and plausibility record. Set <see cref="VolumeSegmenterOptions.PostProcess"/>, or change a field, on the result.
    /// </summary>
    public VolumeSegmenterOptions SegmenterOptions() => new()
    {
        Threshold = Threshold, SmoothingRadius = SmoothingRadius, OutputShift = OutputShift, TestTimeShifts = TestTimeShifts, Plausibility = Plausibility,
    };

    /// <summary>Neighbour slices on each side that a volume model was trained with (its channels are 2k + 1).</summary>
    public int NeighbourSlices => (Channels - 1) / 2;

    /// <summary>The slice options that reproduce the model's input from volumes.</summary>
    public SliceLoaderOptions SliceOptions() => Channels % 2 == 1
        ? new() { ImageSize = Size, NeighbourSlices = NeighbourSlices }
        : throw new ArgumentException(
            $"This model takes {Channels}-channel slices, so it cannot be applied to volumes: slices from volumes have 2k + 1 channels " +
            "(the slice and k neighbours on each side, as 'unet train --volumes --neighbour-slices k' makes them).");

    /// <summary>Loads a model zip; with <paramref name="testTimeFlips"/>, a copy with test-time flips added (<see cref="SavedModelFlips"/>).</summary>
    /// <param name="context">The context to load with; ML.NET writes a copy of the ONNX model under its temporary folder.</param>
    /// <param name="zip">The model zip.</param>
    /// <param name="testTimeFlips">Score with the mean over the image and its flips.</param>
    /// <returns>The model (disposable: dispose it to free its ONNX Runtime session), its kind and its input schema.</returns>
    /// <exception cref="FileNotFoundException">The zip does not exist.</exception>
    /// <exception cref="InvalidDataException">The zip is not an ML.NET model, or not a segmentation model of this library.</exception>
    public static (ITransformer Model, ModelKind Kind, DataViewSchema InputSchema) Load(MLContext context, FileInfo zip, bool testTimeFlips = false) =>
        Load(context, [zip], testTimeFlips);

    /// <summary>
    /// Loads one model zip, or several as one ensemble that averages their networks (<see cref="SavedModelEnsemble"/>); with
    /// <paramref name="testTimeFlips"/>, test-time flips are added (<see cref="SavedModelFlips"/>). The zips are not changed:
    /// the combined model is written to the context's temporary folder and deleted once loaded.
    /// </summary>
    /// <param name="context">The context to load with; ML.NET writes a copy of the ONNX model under its temporary folder.</param>
    /// <param name="zips">The model zips: one, or several of the same kind and input.</param>
    /// <param name="testTimeFlips">Score with the mean over the image and its flips.</param>
    /// <param name="organ">
    /// For an ensemble of one-organ models and models of several organs (<see cref="OrganLabels"/>): the organ that the
    /// latter give, by name, so that all vote on it; the one-organ models are taken to segment it. The first zip must then be
    /// a one-organ model; it gives the pipeline. With one zip of several organs: that organ alone, as a one-organ model
    /// (<see cref="Combine"/>).
    /// </param>
    /// <returns>The model (disposable: dispose it to free its ONNX Runtime session), its kind and its input schema.</returns>
    /// <exception cref="FileNotFoundException">A zip does not exist.</exception>
    /// <exception cref="InvalidDataException">A zip is not an ML.NET model, or not a segmentation model of this library.</exception>
    /// <exception cref="ArgumentException">
    /// The zips' networks differ in their input or output; one-organ models and models of several organs are mixed
    /// without an organ to take, or with one that a model does not segment; or the one-organ models record other label
    /// values than each other or than the organ voted on; or an organ is named with one zip of one organ.
    /// </exception>
    public static (ITransformer Model, ModelKind Kind, DataViewSchema InputSchema) Load(MLContext context, IReadOnlyList<FileInfo> zips, bool testTimeFlips = false,
        string? organ = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(zips);
        if (zips.Count == 0)
            throw new ArgumentException("Give at least one model zip.", nameof(zips));
        foreach (var zip in zips)
            if (!zip.Exists)
                throw new FileNotFoundException($"Model '{zip.FullName}' does not exist.", zip.FullName);
        // ML.NET writes a copy of the ONNX model there while loading.
        Directory.CreateDirectory(context.TempFilePath);
        // Several zips, flips or an organ taken are scored from one combined zip in the temporary folder, deleted once loaded.
        string? combined = zips.Count > 1 || testTimeFlips || organ is not null
            ? Path.Combine(context.TempFilePath, $"mlnet-unet-combined-{Guid.NewGuid():N}.zip")
            : null;
        string loaded = combined ?? zips[0].FullName;
        try
        {
            if (combined is not null)
                Combine(context, zips, combined, testTimeFlips, organ);
            ITransformer model;
            DataViewSchema schema;
            try
            {
                model = SavedModelLoader.Load(context, loaded, out schema);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException($"'{zips[0].FullName}' is not an ML.NET model zip that this tool can read ({e.GetBaseException().Message}).", e);
            }
            try
            {
                var kind = Of(zips[0], model, schema) with
                {
                    Threshold = SavedModelThreshold.Read(loaded), Foreground = ForegroundLabels.ReadFromModel(loaded), Organs = OrganLabels.ReadFromModel(loaded),
                    Plausibility = PlausibilityRecord.ReadFromModel(loaded), OrganPlausibility = MLNet.UNet.Medical.Plausibility.OrganPlausibility.ReadFromModel(loaded),
                    SmoothingRadius = SliceSmoothingDefault.ReadFromModel(loaded), OutputShift = ShiftOf(loaded),
                    TestTimeShifts = TestTimeShiftsDefault.ReadFromModel(loaded),
                };
                return (model, kind, schema);
            }
            catch
            {
                // A model that is not this tool's still holds an ONNX Runtime session and a temporary copy of its ONNX file.
                (model as IDisposable)?.Dispose();
                throw;
            }
        }
        finally
        {
            if (combined is not null)
                File.Delete(combined);
        }
    }

    /// <summary>
    /// Writes <paramref name="destination"/> (atomically): several model zips as one ensemble that averages their networks
    /// (<see cref="SavedModelEnsemble"/>), with test-time flips added when asked (<see cref="SavedModelFlips"/>); or one zip
    /// with flips added; or, with <paramref name="organ"/> and one zip of several organs, that organ's one-organ model
    /// (<see cref="SavedModelClass"/>, with the organ's label value and plausibility record). It loads and scores with
    /// ML.NET alone, as <see cref="Load(MLContext, IReadOnlyList{FileInfo}, bool, string?)"/> scores the zips. The zips are not changed.
    /// </summary>
    /// <param name="context">The context a one-organ model is built with.</param>
    /// <param name="zips">
    /// The model zips (an ensemble's outputs must sit within 0.05 network pixels of each other's, <see cref="Inference.OutputShift"/>, and it keeps their mean); the first gives the pipeline, the threshold, the plausibility record and the slice smoothing and test-time shift defaults (one zip of several organs
    /// with <paramref name="organ"/>: the organ's probability thresholded at 0.5, and the organ's record, which was measured
    /// on the model's class maps). The combined zip records the label values it segments (<see cref="ForegroundLabels"/>):
    /// the organ's with <paramref name="organ"/>, else the zips' own.
    /// </param>
    /// <param name="destination">The zip to write.</param>
    /// <param name="testTimeFlips">Average over the image and its flips.</param>
    /// <param name="organ">
    /// The organ that models of several organs give to an ensemble with one-organ models (see
    /// <see cref="Load(MLContext, IReadOnlyList{FileInfo}, bool, string?)"/>), or that one model of several organs gives alone.
    /// </param>
    /// <exception cref="ArgumentException">Nothing to combine, or models that cannot be combined (the message says why).</exception>
    public static void Combine(MLContext context, IReadOnlyList<FileInfo> zips, string destination, bool testTimeFlips = false, string? organ = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(zips);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        if (zips.Count == 0 || (zips.Count == 1 && !testTimeFlips && organ is null))
            throw new ArgumentException($"Nothing to combine: give two model zips or more, or test-time flips, or one model of several organs and an organ; got {zips.Count} zip(s).", nameof(zips));
        foreach (var zip in zips)
            if (!zip.Exists)
                throw new FileNotFoundException($"Model '{zip.FullName}' does not exist.", zip.FullName);
        // Flips wrap the ensemble's (or the organ's) network: it is made first beside the destination, and always deleted.
        string combined = testTimeFlips && (zips.Count > 1 || organ is not null) ? $"{destination}.{Guid.NewGuid():N}.combined" : destination;
        try
        {
            if (zips.Count > 1)
            {
                var shift = EnsembleShift(zips);
                var (classes, foreground) = EnsembleClasses(zips, organ);
                AtomicFile.WriteVia(combined, temporary =>
                {
                    SavedModelEnsemble.Write([.. zips.Select(z => z.FullName)], temporary, classes);
                    foreground?.WriteInto(temporary);
                    shift.WriteInto(temporary);
                });
            }
            else if (organ is not null)
                WriteOrgan(context, zips[0], organ, combined);
            if (testTimeFlips)
                SavedModelFlips.Write(combined != destination ? combined : zips[0].FullName, destination);
        }
        finally
        {
            if (combined != destination)
                File.Delete(combined);
        }
    }

    // The stored shift, where the network's own outputs sit; a network that averages over test-time flips has the
    // passes along a flipped axis sit opposite ways, so their mean sits at the centres there.
    static OutputShift ShiftOf(string zip)
    {
        var shift = OutputShift.ReadFromModel(zip);
        return shift == OutputShift.None ? shift : shift.AveragedOver(SavedModelFlips.AveragedAxes(zip));
    }

    /// <summary>How far apart, in network pixels, the outputs of an ensemble's members may sit: volumes of mixed sizes move a shift by less.</summary>
    const double ShiftTolerance = 0.05;

    // An ensemble averages its networks' outputs pixel by pixel, so they must sit in about the same place; it keeps their mean.
    static OutputShift EnsembleShift(IReadOnlyList<FileInfo> zips)
    {
        var shifts = zips.Select(z => OutputShift.ReadFromModel(z.FullName)).ToList();
        int other = shifts.FindIndex(s => Math.Abs(s.X - shifts[0].X) > ShiftTolerance || Math.Abs(s.Y - shifts[0].Y) > ShiftTolerance);
        if (other >= 0)
            throw new ArgumentException(
                $"The models' outputs sit in different places, so their probabilities cannot be averaged pixel by pixel: model 1 ({zips[0].FullName}) " +
                $"at {shifts[0]}, model {other + 1} ({zips[other].FullName}) at {shifts[other]}. One was trained on label fractions, on volumes of " +
                "another size or with other flips, or saved before zips stored the shift (retrain or re-save it with 'unet train'). Ensemble models trained alike.",
                nameof(zips));
        return new OutputShift(shifts.Average(s => s.X), shifts.Average(s => s.Y));
    }

    // One organ of a model of several, as a one-organ model with the organ's label value, plausibility record, smoothing and
    // test-time shift defaults and output shift.
    static void WriteOrgan(MLContext context, FileInfo zip, string organ, string destination)
    {
        var organs = OrganLabels.ReadFromModel(zip.FullName)
            ?? throw new ArgumentException($"An organ ('{organ}') is taken from a model of several organs; '{zip.FullName}' segments one organ.", nameof(organ));
        int organClass = organs.ClassOf(organ) ?? throw new ArgumentException($"'{zip.FullName}' segments {organs}, not '{organ}'.", nameof(organ));
        var records = OrganPlausibility.ReadFromModel(zip.FullName);
        var record = records?.Organs.FirstOrDefault(o => o.Organ.Equals(organ, StringComparison.OrdinalIgnoreCase))?.Record is { } own
            ? own with { Geometry = records.Geometry }
            : null;
        AtomicFile.WriteVia(destination, temporary =>
        {
            SavedModelClass.Write(context, zip.FullName, temporary, organClass);
            new ForegroundLabels([organs.Organs[organClass - 1].Value]).WriteInto(temporary);
            record?.WriteInto(temporary);
            new SliceSmoothingDefault(SliceSmoothingDefault.ReadFromModel(zip.FullName)).WriteInto(temporary);
            new TestTimeShiftsDefault(TestTimeShiftsDefault.ReadFromModel(zip.FullName)).WriteInto(temporary);
            OutputShift.ReadFromModel(zip.FullName).WriteInto(temporary);
        });
    }

    // Per zip, the class it gives to the ensemble (the organ's class for a model of several organs when an organ is named),
    // and the label values the ensemble segments when it is of one organ and they are known.
    static (IReadOnlyList<int?>? Classes, ForegroundLabels? Foreground) EnsembleClasses(IReadOnlyList<FileInfo> zips, string? organ)
    {
        var organs = zips.Select(z => OrganLabels.ReadFromModel(z.FullName)).ToList();
        var foregrounds = zips.Select(z => ForegroundLabels.ReadFromModel(z.FullName)).ToList();
        string Describe(int k) => $"model {k + 1} ({zips[k].FullName}) " + (organs[k] is { } labels ? $"segments {string.Join(", ", labels.Names)}"
            : foregrounds[k] is { } values ? $"segments label value(s) {values}" : "segments one organ");
        // One-organ models that record their label values (zips saved before that record none) must all segment the same ones.
        int recorded = foregrounds.FindIndex(f => f is not null);
        int differing = recorded < 0 ? -1 : foregrounds.FindIndex(f => f is not null && !f.Values.SequenceEqual(foregrounds[recorded]!.Values));
        if (differing >= 0)
            throw new ArgumentException($"The one-organ models segment different label values: {Describe(recorded)}, {Describe(differing)}.", nameof(zips));
        if (organ is null)
        {
            int mixed = organs.FindIndex(o => (o is null) != (organs[0] is null));
            if (mixed >= 0)
                throw new ArgumentException(
                    $"The ensemble mixes models of one organ and of several: {Describe(0)}, {Describe(mixed)}. Name the organ that the models of several " +
                    "organs give (for example liver), with a one-organ model first.", nameof(organ));
            // Classes are averaged by index: models of several organs must list the same organs, with the same values, in the same order.
            int other = organs.FindIndex(o => o is not null && !o.Organs.SequenceEqual(organs[0]!.Organs));
            return other < 0
                ? (null, recorded < 0 ? null : foregrounds[recorded])
                : throw new ArgumentException($"The models segment different organs: {Describe(0)} ({organs[0]}), {Describe(other)} ({organs[other]}).", nameof(organ));
        }
        if (organs[0] is not null)
            throw new ArgumentException($"With an organ ('{organ}') taken from models of several organs, the first model gives the pipeline and must be a one-organ model; {Describe(0)}.", nameof(organ));
        if (organs.All(o => o is null))
            throw new ArgumentException($"An organ ('{organ}') is taken from models of several organs; all {zips.Count} models segment one organ.", nameof(organ));
        var classes = organs.Select((labels, k) => labels is null ? (int?)null
            : labels.ClassOf(organ) ?? throw new ArgumentException($"The ensemble is to vote on '{organ}', but {Describe(k)}.", nameof(organ))).ToList();
        // The organ's label value in the models of several organs must be what the one-organ models were trained on, when they record it.
        int several = organs.FindIndex(o => o is not null);
        int value = organs[several]!.Organs[classes[several]!.Value - 1].Value;
        if (recorded >= 0 && !foregrounds[recorded]!.IsExactly(value))
            throw new ArgumentException($"The ensemble is to vote on '{organ}', label value {value} in {Describe(several)}, but {Describe(recorded)}.", nameof(organ));
        return (classes, new ForegroundLabels([value]));
    }

    static ModelKind Of(FileInfo zip, ITransformer model, DataViewSchema schema)
    {
        var output = model.GetOutputSchema(schema);
        if (output.GetColumnOrNull("Probability") is null || (output.GetColumnOrNull("PredictedMask") is null && output.GetColumnOrNull("PredictedLabel") is null))
            throw new InvalidDataException(
                $"'{zip.FullName}' is an ML.NET model, but not one of this tool's: it has no Probability and PredictedMask (or PredictedLabel, for several organs) columns.");
        // Without its organs, a class map's probabilities would be read as one organ's.
        if (output.GetColumnOrNull("PredictedLabel") is not null && OrganLabels.ReadFromModel(zip.FullName) is null)
            throw new InvalidDataException(
                $"'{zip.FullName}' segments several classes but does not record their organs ({OrganLabels.EntryName}): export its checkpoint with " +
                "'unet export --labels name=value,...' as 'unet train --labels' had them, or store them with OrganLabels.WriteInto.");
        if (schema.GetColumnOrNull(ImagePathColumnName) is not null)
        {
            var features = (VectorDataViewType)output["Features"].Type;
            int imageChannels = features.Dimensions.Length == 3 ? features.Dimensions[0] : 1;
            return new ModelKind(true, features.Dimensions[^1], imageChannels);
        }
        var slices = schema.GetColumnOrNull("Features")?.Type as VectorDataViewType
            ?? throw new InvalidDataException($"'{zip.FullName}' has neither an ImagePath nor a Features input column.");
        int channels = slices.Dimensions.Length == 3 ? slices.Dimensions[0] : 1;
        return new ModelKind(false, slices.Dimensions[^1], channels);
    }
}
