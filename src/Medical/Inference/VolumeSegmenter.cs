using Microsoft.ML;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.PostProcessing;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Threshold;

namespace MLNet.UNet.Medical.Inference;

/// <summary>One volume segmented by <see cref="VolumeSegmenter"/>.</summary>
/// <param name="Id">The volume's name.</param>
/// <param name="Image">The input volume.</param>
/// <param name="Probabilities">Foreground probability per voxel, on the image's grid.</param>
/// <param name="RawMask">The thresholded probabilities, on the image's grid.</param>
/// <param name="Mask">The mask: <paramref name="RawMask"/>, post-processed when asked.</param>
/// <param name="Statistics">The mask's volume, largest slice and mean confidence.</param>
/// <param name="Warnings">Why the mask is implausible against the model's record; empty when it is not, or when there is no record.</param>
public sealed record VolumeSegmentation(string Id, Volume Image, float[] Probabilities, BinaryVolume RawMask, BinaryVolume Mask,
    OrganStatistics Statistics, IReadOnlyList<string> Warnings)
{
    /// <summary>The mask as a 0/1 volume with the image's geometry and header, for NIfTI.</summary>
    public Volume ToLabelVolume() => Image.WithData(Array.ConvertAll(Mask.Voxels, v => v ? 1f : 0f));

    /// <summary>
    /// The axis codes the image is stored with when they differ from the training volumes', so that it was turned to
    /// theirs to be scored (every result here is back on the image's own grid); null when it was scored as stored.
    /// </summary>
    public string? ReorientedFrom { get; init; }

    /// <summary>
    /// How the slices were shown to the network at the training's field of view (<see cref="FieldOfViewWindow"/>) when
    /// they span a much wider one; null when they were scored whole.
    /// </summary>
    public string? FieldOfViewMatched { get; init; }

    /// <summary>What is kept of the segmentation once its mask is scored or written: its name, measures and warnings, without its voxels.</summary>
    public VolumeCase ToCase() => new(Id, Statistics, Warnings) { ReorientedFrom = ReorientedFrom, FieldOfViewMatched = FieldOfViewMatched };
}

/// <summary>
/// A segmented volume without its voxels (<see cref="VolumeSegmentation.ToCase"/>): what a report keeps of each case.
/// </summary>
/// <param name="Id">The volume's name.</param>
/// <param name="Statistics">The mask's volume, largest slice and mean confidence.</param>
/// <param name="Warnings">Why the mask is implausible against the model's record; empty when it is not, or when there is no record.</param>
public sealed record VolumeCase(string Id, OrganStatistics Statistics, IReadOnlyList<string> Warnings)
{
    /// <summary>The axis codes the image is stored with when it was turned to the training volumes' to be scored; null when it was not.</summary>
    public string? ReorientedFrom { get; init; }

    /// <summary>How the slices were shown to the network at the training's field of view; null when they were scored whole.</summary>
    public string? FieldOfViewMatched { get; init; }
}

/// <summary>
/// Runs a 2D slice model over whole volumes, as MONAI's SliceInferer does: the volume is cut into the model's
/// slices (<see cref="SliceLoader"/>), scored (optionally averaged over <see cref="TestTimeShifts"/>), the probabilities
/// are put back on the volume's grid, optionally smoothed across slices, thresholded, optionally post-processed, and checked for plausibility.
/// With a plausibility record that holds the training's geometry, a volume stored another way up is turned to the
/// training's axes, and slices much wider than the training's are scored in a window of the training's width.
/// </summary>
public sealed class VolumeSegmenter
{
    readonly MLContext context;
    readonly ITransformer model;
    readonly SliceLoaderOptions slices;
    readonly VolumeSegmenterOptions options;
    readonly float threshold;

    /// <summary>Creates a segmenter over a fitted (or loaded) slice pipeline.</summary>
    /// <param name="context">The context to load slices with.</param>
    /// <param name="model">A pipeline over <see cref="SliceLoader"/> slices that writes the probability column.</param>
    /// <param name="slices">How the model's slices are made; every slice is scored whatever its empty-slice fraction.</param>
    /// <param name="options">Threshold, smoothing, where the outputs sit, post-processing and the plausibility record.</param>
    public VolumeSegmenter(MLContext context, ITransformer model, SliceLoaderOptions slices, VolumeSegmenterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(slices);
        options ??= new VolumeSegmenterOptions();
        options.Validate();
        this.context = context;
        this.model = model;
        this.slices = new SliceLoaderOptions
        {
            ImageSize = slices.ImageSize, Normalization = slices.Normalization, NeighbourSlices = slices.NeighbourSlices,
            EmptySliceFraction = 1, Labels = slices.Labels,
        };
        this.options = options;
        threshold = options.Threshold ?? ThresholdTransformer.FindIn(model, options.ProbabilityColumnName) ?? VolumeSegmenterOptions.Defaults.Threshold;
    }

    /// <summary>
    /// The probability above which a voxel is foreground: the options' threshold, or else a fitted pipeline's own, or
    /// else the default (a pipeline loaded from a zip: give <see cref="ModelKind.Threshold"/> in the options).
    /// </summary>
    public float Threshold => threshold;

    /// <summary>
    /// Segments one volume. A volume stored with other axis codes than the model's training volumes (known from the
    /// plausibility record) is turned to theirs to be scored, and its results turned back onto its own grid; slices much
    /// wider than theirs are scored in a window of theirs around the body (<see cref="FieldOfViewWindow"/>). The
    /// plausibility warnings measure the mask post-processed, as the record was made, whether or not it is returned so.
    /// </summary>
    public VolumeSegmentation Segment(string id, Volume image) => Segment(id, image, options.PostProcess);

    VolumeSegmentation Segment(string id, Volume image, bool postProcess)
    {
        ArgumentNullException.ThrowIfNull(image);
        var geometry = options.Plausibility?.Geometry;
        var turn = geometry?.ReorientationFor(image);
        var seen = turn?.Apply(image) ?? image;
        var window = geometry is null ? null : FieldOfViewWindow.For(seen, geometry);
        float[] pass(Volume volume) => options.TestTimeShifts
            ? TestTimeShifts.Average(volume, slices.ImageSize, moved => Probabilities(id, moved))
            : Probabilities(id, volume);
        var probabilities = window?.Score(pass) ?? pass(seen);
        var raw = BinaryVolume.On(seen, Array.ConvertAll(probabilities, p => p > threshold));
        var mask = postProcess ? MaskPostProcessing.Clean(raw) : raw;
        // Measured as the network saw it, so the fullest slice is a slice of the training's kind.
        var statistics = OrganStatistics.Of(mask, probabilities);
        // The record holds post-processed predictions (Record), so a raw mask is checked as it would be post-processed:
        // its stray islands would otherwise read as a larger, less confident organ than any the record saw.
        IReadOnlyList<string> checks = options.Plausibility is not { } record ? []
            : postProcess ? record.Check(statistics, image)
            : [.. record.Check(OrganStatistics.Of(MaskPostProcessing.Clean(raw), probabilities), image).Select(PlausibilityRecord.MeasuredPostProcessed)];
        IReadOnlyList<string> warnings = [.. checks, .. window?.CutOffWarnings(mask.Voxels) ?? []];
        var segmentation = turn is null
            ? new VolumeSegmentation(id, image, probabilities, raw, mask, statistics, warnings)
            : new VolumeSegmentation(id, image, turn.Undo(probabilities, image), BinaryVolume.On(image, turn.Undo(raw.Voxels, image)),
                BinaryVolume.On(image, turn.Undo(mask.Voxels, image)), statistics, warnings) { ReorientedFrom = turn.From };
        return segmentation with { FieldOfViewMatched = window?.ToString() };
    }

    // One pass of the network over the volume: its probabilities on the volume's grid.
    float[] Probabilities(string id, Volume image)
    {
        // The slice loader reads image and label together; a volume to predict has no label, so an empty one stands in.
        var patient = new PatientVolume(id, image, image.WithData(new float[image.Data.Length]));
        var scored = model.Transform(SliceLoader.Load(context, [patient], slices));
        return ProbabilityMask.ProbabilitiesOnGrid(ScoredSlices.ByPatient(scored, options.ProbabilityColumnName)[id], image, options.SmoothingRadius,
            options.OutputShift);
    }

    /// <summary>
    /// Segments a NIfTI image file and writes the mask as a uint8 NIfTI label map (0/1) with the input's header
    /// (grid, spacing, orientation), atomically.
    /// </summary>
    /// <param name="imagePath">A .nii or .nii.gz image.</param>
    /// <param name="maskPath">Where to write the label map.</param>
    /// <returns>The segmentation, named after the image file.</returns>
    public VolumeSegmentation SegmentFile(string imagePath, string maskPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(imagePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(maskPath);
        var segmentation = Segment(NiftiReader.CaseName(imagePath), NiftiReader.Read(imagePath));
        NiftiWriter.Write(maskPath, segmentation.ToLabelVolume(), NiftiDataType.UInt8);
        return segmentation;
    }

    /// <summary>
    /// The plausibility record of a model: its predictions on the given volumes (normally its own training volumes),
    /// with this segmenter's threshold and smoothing, post-processed whatever its own setting (as
    /// <see cref="Segment(string, Volume)"/> checks every mask); null when no prediction holds any organ (a model that has
    /// learned nothing yet), as a model of several organs records none for such an organ.
    /// </summary>
    public PlausibilityRecord? Record(IEnumerable<(string Id, Volume Image)> volumes)
    {
        ArgumentNullException.ThrowIfNull(volumes);
        var seen = volumes.Select(v => (Segment(v.Id, v.Image, postProcess: true).Statistics, Geometry: InputGeometry.Of(v.Image))).ToList();
        return seen.Any(s => s.Statistics.VolumeMl > 0)
            ? PlausibilityRecord.From([.. seen.Select(s => s.Statistics)]) with { Geometry = InputGeometry.Combine(seen.Select(s => s.Geometry)) }
            : null;
    }

    /// <summary>
    /// Segments each patient's image and compares the masks with its label volume, before and after post-processing
    /// (CHAOS's measures, <see cref="VolumeEvaluator.Evaluate(string, bool[], bool[], Volume, SurfaceRule)"/>).
    /// </summary>
    /// <param name="patients">Images with their label volumes.</param>
    /// <param name="labels">The label mapping the model was trained with; its foreground is the truth.</param>
    /// <param name="surfaceRule">Which voxels are a mask's surface for the distances; CHAOS's own definition by default.</param>
    public VolumeEvaluationReport Evaluate(IEnumerable<PatientVolume> patients, LabelMapping labels, SurfaceRule surfaceRule = SurfaceRule.Chaos) =>
        EvaluateCases(patients, labels, surfaceRule).Report;

    /// <summary>
    /// <see cref="Evaluate"/>, with each case's measures and plausibility warnings: each patient is scored once for both,
    /// and only one patient's segmentation is held at a time.
    /// </summary>
    /// <param name="patients">Images with their label volumes, enumerated once (a lazy sequence such as
    /// <see cref="PatientVolume.EnumerateFolder"/> keeps one patient in memory).</param>
    /// <param name="labels">The label mapping the model was trained with; its foreground is the truth.</param>
    /// <param name="surfaceRule">Which voxels are a mask's surface for the distances; CHAOS's own definition by default.</param>
    public (VolumeEvaluationReport Report, IReadOnlyList<VolumeCase> Cases) EvaluateCases(IEnumerable<PatientVolume> patients, LabelMapping labels,
        SurfaceRule surfaceRule = SurfaceRule.Chaos)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(labels);
        var scored = patients.Select(p => Score(p, labels, surfaceRule)).ToList();
        if (scored.Count == 0)
            throw new ArgumentException("There are no patients to evaluate.", nameof(patients));
        return (new VolumeEvaluationReport([.. scored.Select(s => s.Evaluation)]), [.. scored.Select(s => s.Case)]);
    }

    (PatientEvaluation Evaluation, VolumeCase Case) Score(PatientVolume patient, LabelMapping labels, SurfaceRule surfaceRule)
    {
        var segmentation = Segment(patient.PatientId, patient.Image);
        return (VolumeEvaluator.Evaluate(patient.PatientId, segmentation.RawMask.Voxels, labels.Foreground(patient.Label), patient.Label, surfaceRule), segmentation.ToCase());
    }
}
