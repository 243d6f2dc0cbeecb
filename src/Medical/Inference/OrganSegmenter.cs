using Microsoft.ML;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.PostProcessing;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Inference;

/// <summary>What an <see cref="OrganSegmenter"/> gives for one volume.</summary>
/// <param name="Id">The case's name.</param>
/// <param name="Image">The input volume, whose grid and header the class map has.</param>
/// <param name="RawClasses">The class of every voxel (0 background, organ i is i + 1), as the model gave it.</param>
/// <param name="Classes">The same, post-processed when asked for (each organ's largest component, holes filled).</param>
/// <param name="Statistics">Each organ's volume, fullest slice and mean confidence in <paramref name="Classes"/>, in class order.</param>
/// <param name="Warnings">The plausibility warnings, each naming its organ; empty when every organ is within what the model saw, or without a record.</param>
public sealed record OrganSegmentation(string Id, Volume Image, int[] RawClasses, int[] Classes, IReadOnlyList<OrganStatistics> Statistics,
    IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// The axis codes the image is stored with when they differ from the training volumes', so that it was turned to
    /// theirs to be scored (the class maps here are back on the image's own grid); null when it was scored as stored.
    /// </summary>
    public string? ReorientedFrom { get; init; }

    /// <summary>
    /// How the slices were shown to the network at the training's field of view (<see cref="FieldOfViewWindow"/>) when
    /// they span a much wider one; null when they were scored whole.
    /// </summary>
    public string? FieldOfViewMatched { get; init; }

    /// <summary>What is kept of the segmentation once its label map is scored or written: its name, measures and warnings, without its voxels.</summary>
    public OrganCase ToCase() => new(Id, Statistics, Warnings) { ReorientedFrom = ReorientedFrom, FieldOfViewMatched = FieldOfViewMatched };
}

/// <summary>
/// A volume segmented into organs, without its voxels (<see cref="OrganSegmentation.ToCase"/>): what a report keeps of
/// each case.
/// </summary>
/// <param name="Id">The case's name.</param>
/// <param name="Statistics">Each organ's volume, fullest slice and mean confidence, in class order.</param>
/// <param name="Warnings">The plausibility warnings, each naming its organ; empty when every organ is within what the model saw, or without a record.</param>
public sealed record OrganCase(string Id, IReadOnlyList<OrganStatistics> Statistics, IReadOnlyList<string> Warnings)
{
    /// <summary>The axis codes the image is stored with when it was turned to the training volumes' to be scored; null when it was not.</summary>
    public string? ReorientedFrom { get; init; }

    /// <summary>How the slices were shown to the network at the training's field of view; null when they were scored whole.</summary>
    public string? FieldOfViewMatched { get; init; }
}

/// <summary>
/// <see cref="VolumeSegmenter"/> for a model of several organs: the volume is cut into the model's slices, scored, and
/// each voxel of the volume's grid gets the organ of highest probability (<see cref="ProbabilityMask.ClassesOnGrid"/>);
/// with post-processing, each organ keeps its largest 3D component with its holes filled (<see cref="MaskPostProcessing.Clean"/>,
/// as the evaluation's "post" does; a filled hole never takes a voxel of another organ). Each organ is measured and checked against the
/// model's <see cref="OrganPlausibility"/> record when there is one. The label map holds the organs' label values.
/// </summary>
public sealed class OrganSegmenter
{
    readonly MLContext context;
    readonly ITransformer model;
    readonly SliceLoaderOptions slices;
    readonly OrganLabels organs;
    readonly int smoothingRadius;
    readonly bool postProcess;
    readonly OrganPlausibility? plausibility;
    readonly OutputShift shift;
    readonly bool testTimeShifts;

    /// <summary>Creates a segmenter over a fitted (or loaded) slice pipeline of several classes.</summary>
    /// <param name="context">The context to load slices with.</param>
    /// <param name="model">A pipeline over <see cref="SliceLoader"/> slices that writes class probabilities in its Probability column.</param>
    /// <param name="slices">How the model's slices are made; every slice is scored.</param>
    /// <param name="organs">The organs the model segments, in class order.</param>
    /// <param name="postProcess">Keep each organ's largest 3D component and fill its holes (where the network saw background).</param>
    /// <param name="smoothingRadius">Neighbour slices on each side averaged with each slice's probabilities; 0 for none.</param>
    /// <param name="plausibility">The model's record (<see cref="OrganPlausibility.ReadFromModel"/>) to check each prediction against; null for no check.</param>
    /// <param name="shift">Where the model's outputs sit (<see cref="OutputShift.ReadFromModel"/>); null for the pixels' centres.</param>
    /// <param name="testTimeShifts">Average the class probabilities over <see cref="TestTimeShifts"/> before each voxel takes its class.</param>
    public OrganSegmenter(MLContext context, ITransformer model, SliceLoaderOptions slices, OrganLabels organs, bool postProcess = false, int smoothingRadius = 0,
        OrganPlausibility? plausibility = null, OutputShift? shift = null, bool testTimeShifts = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(organs);
        ArgumentOutOfRangeException.ThrowIfNegative(smoothingRadius);
        this.context = context;
        this.model = model;
        this.slices = new SliceLoaderOptions
        {
            ImageSize = slices.ImageSize, Normalization = slices.Normalization, NeighbourSlices = slices.NeighbourSlices, EmptySliceFraction = 1,
            Labels = organs.ToMapping(),
        };
        this.organs = organs;
        this.smoothingRadius = smoothingRadius;
        this.postProcess = postProcess;
        if (plausibility is not null && !plausibility.Organs.Select(o => o.Organ).SequenceEqual(organs.Names))
            throw new ArgumentException($"The plausibility record is for {string.Join(", ", plausibility.Organs.Select(o => o.Organ))}; the model segments {string.Join(", ", organs.Names)}.",
                nameof(plausibility));
        this.plausibility = plausibility;
        this.shift = shift ?? OutputShift.None;
        this.testTimeShifts = testTimeShifts;
    }

    /// <summary>The organs the model segments, in class order.</summary>
    public OrganLabels Organs => organs;

    /// <summary>
    /// Segments a volume: the class of every voxel of <paramref name="image"/>'s grid, each organ measured and checked. A
    /// volume stored with other axis codes than the model's training volumes (known from the plausibility record) is
    /// turned to theirs to be scored, and its class maps turned back onto its own grid; slices much wider than theirs
    /// are scored in a window of theirs around the body (<see cref="FieldOfViewWindow"/>). The plausibility warnings
    /// measure the organs post-processed, as the record was made, whether or not they are returned so.
    /// </summary>
    public OrganSegmentation Segment(string id, Volume image) => Segment(id, image, postProcess);

    OrganSegmentation Segment(string id, Volume image, bool postProcessed)
    {
        ArgumentNullException.ThrowIfNull(image);
        var geometry = plausibility?.Geometry;
        var turn = geometry?.ReorientationFor(image);
        var turned = turn?.Apply(image) ?? image;
        var window = geometry is null ? null : FieldOfViewWindow.For(turned, geometry);
        var seen = SegmentAsSeen(id, turned, image, window, postProcessed) with { FieldOfViewMatched = window?.ToString() };
        return turn is null
            ? seen
            : seen with { Image = image, RawClasses = turn.Undo(seen.RawClasses, image), Classes = turn.Undo(seen.Classes, image), ReorientedFrom = turn.From };
    }

    // Segments the volume as the network sees it; the warnings are about the stored one.
    OrganSegmentation SegmentAsSeen(string id, Volume image, Volume stored, FieldOfViewWindow? window, bool postProcessed)
    {
        // One pass needs one class plane of a slice at a time; test-time shifts average every class's plane of the volume.
        (int[] Classes, float[] Confidence) classMap(Volume volume) => testTimeShifts
            ? ProbabilityMask.ClassMap(TestTimeShifts.Average(volume, slices.ImageSize,
                moved => ProbabilityMask.ClassProbabilitiesOnGrid(Scored(id, moved), organs.ClassCount, moved, smoothingRadius, shift)), organs.ClassCount)
            : ProbabilityMask.ClassMapOnGrid(Scored(id, volume), organs.ClassCount, volume, smoothingRadius, shift);
        var (classes, confidence) = window is null ? classMap(image) : Windowed(window, classMap, image.Data.Length);
        var final = postProcessed ? PostProcessed(classes, image) : classes;
        var statistics = Measured(final, confidence, image);
        // The record holds post-processed predictions (Record), so raw class maps are checked as they would be post-processed.
        IEnumerable<string> checks = plausibility is null ? []
            : postProcessed ? plausibility.Check(statistics, stored)
            : plausibility.Check(Measured(PostProcessed(classes, image), confidence, image), stored).Select(PlausibilityRecord.MeasuredPostProcessed);
        var cutOff = Enumerable.Range(1, organs.ClassCount - 1)
            .SelectMany(c => window?.CutOffWarnings(OrganMask(final, c, image).Voxels).Select(w => $"{organs.Names[c - 1]}: {w}") ?? []);
        return new OrganSegmentation(id, image, classes, final, statistics, [.. checks, .. cutOff]);
    }

    // Each organ's largest component with its holes filled; a hole takes the organ only where the network saw background.
    int[] PostProcessed(int[] classes, Volume image)
    {
        var final = new int[classes.Length];
        for (int c = 1; c < organs.ClassCount; c++)
        {
            var mask = MaskPostProcessing.Clean(OrganMask(classes, c, image));
            for (int i = 0; i < mask.Voxels.Length; i++)
                if (mask.Voxels[i] && (classes[i] == c || classes[i] == 0))
                    final[i] = c;
        }
        return final;
    }

    List<OrganStatistics> Measured(int[] classes, float[] confidence, Volume image) =>
        [.. Enumerable.Range(1, organs.ClassCount - 1).Select(c => OrganStatistics.Of(OrganMask(classes, c, image), confidence))];

    static BinaryVolume OrganMask(int[] classes, int organClass, Volume image) => BinaryVolume.On(image, Array.ConvertAll(classes, v => v == organClass));

    // The class map of the window, put back on the volume's grid as two planes (the classes, then their probabilities):
    // outside the window, background with probability 0.
    static (int[] Classes, float[] Confidence) Windowed(FieldOfViewWindow window, Func<Volume, (int[] Classes, float[] Confidence)> classMap, int voxels)
    {
        var planes = window.Score(volume =>
        {
            var (classes, confidence) = classMap(volume);
            return [.. classes.Select(c => (float)c), .. confidence];
        });
        return (Array.ConvertAll(planes[..voxels], c => (int)c), planes[voxels..]);
    }

    // One pass of the network over the volume: each slice's class probabilities at the network's size.
    IReadOnlyList<(int Slice, float[] Probability)> Scored(string id, Volume image)
    {
        // The slice loader reads image and label together; a volume to predict has no label, so an empty one stands in.
        var patient = new PatientVolume(id, image, image.WithData(new float[image.Data.Length]));
        return ScoredSlices.ByPatient(model.Transform(SliceLoader.Load(context, [patient], slices)))[id];
    }

    /// <summary>
    /// The record of this model's predictions on <paramref name="volumes"/> (its training volumes), post-processed whatever
    /// this segmenter's own setting (as every class map is checked), to store in its zip.
    /// </summary>
    public OrganPlausibility Record(IEnumerable<(string Id, Volume Image)> volumes)
    {
        ArgumentNullException.ThrowIfNull(volumes);
        var seen = volumes.Select(v => (Segment(v.Id, v.Image, postProcessed: true).Statistics, Geometry: InputGeometry.Of(v.Image))).ToList();
        return OrganPlausibility.From(organs.Names, [.. seen.Select(s => s.Statistics)]) with { Geometry = InputGeometry.Combine(seen.Select(s => s.Geometry)) };
    }

    /// <summary>
    /// Segments each patient and evaluates it organ by organ against its labels in 3D: each organ's raw mask, and the
    /// same with its largest component kept and holes filled (<see cref="VolumeEvaluator.Evaluate(string, bool[], bool[], Volume, SurfaceRule)"/>),
    /// whatever this segmenter's own post-processing. Each case's measures and plausibility warnings come back too; only one
    /// patient's segmentation is held at a time.
    /// </summary>
    /// <param name="patients">Images with their label volumes (the organs' label values), enumerated once (a lazy sequence
    /// such as <see cref="PatientVolume.EnumerateFolder"/> keeps one patient in memory).</param>
    /// <param name="surfaceRule">Which voxels are a mask's surface for the distances; CHAOS's own definition by default.</param>
    public (OrganEvaluationReport Report, IReadOnlyList<OrganCase> Cases) EvaluateCases(IEnumerable<PatientVolume> patients, SurfaceRule surfaceRule = SurfaceRule.Chaos)
    {
        ArgumentNullException.ThrowIfNull(patients);
        var perOrgan = organs.Organs.Select(_ => new List<PatientEvaluation>()).ToList();
        var cases = new List<OrganCase>();
        foreach (var patient in patients)
        {
            var segmentation = Segment(patient.PatientId, patient.Image);
            cases.Add(segmentation.ToCase());
            var evaluations = VolumeEvaluator.EvaluateClassMap(patient.PatientId, segmentation.RawClasses, patient.Label, slices.Labels, surfaceRule);
            for (int organ = 0; organ < evaluations.Count; organ++)
                perOrgan[organ].Add(evaluations[organ]);
        }
        if (cases.Count == 0)
            throw new ArgumentException("There are no patients to evaluate.", nameof(patients));
        return (new OrganEvaluationReport([.. organs.Names.Select((name, i) => (name, new VolumeEvaluationReport(perOrgan[i])))]), cases);
    }

    /// <summary><see cref="EvaluateCases"/>'s report alone.</summary>
    public OrganEvaluationReport Evaluate(IEnumerable<PatientVolume> patients, SurfaceRule surfaceRule = SurfaceRule.Chaos) =>
        EvaluateCases(patients, surfaceRule).Report;

    /// <summary>
    /// Segments a NIfTI image file and writes the label map (uint8, the organs' label values, 0 elsewhere) with the input's
    /// header, atomically.
    /// </summary>
    public OrganSegmentation SegmentFile(string imagePath, string labelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(imagePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelPath);
        var segmentation = Segment(NiftiReader.CaseName(imagePath), NiftiReader.Read(imagePath));
        NiftiWriter.Write(labelPath, LabelVolume(segmentation), NiftiDataType.UInt8);
        return segmentation;
    }

    /// <summary>
    /// A segmentation's label map: each voxel holds its organ's label value (0 elsewhere), with the image's geometry and
    /// header, ready for NIfTI as uint8.
    /// </summary>
    /// <param name="segmentation">A segmentation made by this segmenter.</param>
    public Volume LabelVolume(OrganSegmentation segmentation)
    {
        ArgumentNullException.ThrowIfNull(segmentation);
        var values = organs.Organs.Select(o => (float)o.Value).Prepend(0f).ToArray();
        return segmentation.Image.WithData(Array.ConvertAll(segmentation.Classes, c => values[c]));
    }
}
