using Microsoft.ML;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.PostProcessing;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Inference;

/// <summary>
/// <see cref="VolumeSegmenter"/> for a model of several organs: the volume is cut into the model's slices, scored, and
/// each voxel of the volume's grid gets the organ of highest probability (<see cref="ProbabilityMask.ClassesOnGrid"/>);
/// with post-processing, each organ keeps its largest 3D component. The label map holds the organs' label values.
/// </summary>
public sealed class OrganSegmenter
{
    readonly MLContext context;
    readonly ITransformer model;
    readonly SliceLoaderOptions slices;
    readonly OrganLabels organs;
    readonly int smoothingRadius;
    readonly bool postProcess;

    /// <summary>Creates a segmenter over a fitted (or loaded) slice pipeline of several classes.</summary>
    /// <param name="context">The context to load slices with.</param>
    /// <param name="model">A pipeline over <see cref="SliceLoader"/> slices that writes class probabilities in its Probability column.</param>
    /// <param name="slices">How the model's slices are made; every slice is scored.</param>
    /// <param name="organs">The organs the model segments, in class order.</param>
    /// <param name="postProcess">Keep each organ's largest 3D component.</param>
    /// <param name="smoothingRadius">Neighbour slices on each side averaged with each slice's probabilities; 0 for none.</param>
    public OrganSegmenter(MLContext context, ITransformer model, SliceLoaderOptions slices, OrganLabels organs, bool postProcess = false, int smoothingRadius = 0)
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
    }

    /// <summary>The class (0 background, organ i is i + 1) of every voxel of <paramref name="image"/>'s grid.</summary>
    public int[] Segment(string id, Volume image)
    {
        ArgumentNullException.ThrowIfNull(image);
        // The slice loader reads image and label together; a volume to predict has no label, so an empty one stands in.
        var patient = new PatientVolume(id, image, image.WithData(new float[image.Data.Length]));
        var scored = model.Transform(SliceLoader.Load(context, [patient], slices));
        var classes = ProbabilityMask.ClassesOnGrid(ScoredSlices.ByPatient(scored)[id], organs.ClassCount, image, smoothingRadius);
        if (!postProcess)
            return classes;
        var cleaned = new int[classes.Length];
        for (int organ = 1; organ < organs.ClassCount; organ++)
        {
            int c = organ;
            var mask = new BinaryVolume(Array.ConvertAll(classes, v => v == c), image.SizeX, image.SizeY, image.SizeZ, image.SpacingX, image.SpacingY, image.SpacingZ);
            var kept = MaskPostProcessing.KeepLargestComponent(mask).Voxels;
            for (int i = 0; i < kept.Length; i++)
                if (kept[i])
                    cleaned[i] = c;
        }
        return cleaned;
    }

    /// <summary>
    /// Segments each patient and evaluates it organ by organ against its labels in 3D (<see cref="VolumeEvaluator.EvaluateOrgans"/>):
    /// raw, and with each organ's largest component kept, whatever this segmenter's own post-processing.
    /// </summary>
    /// <param name="patients">Images with their label volumes (the organs' label values).</param>
    /// <param name="surfaceRule">Which voxels are a mask's surface for the distances; CHAOS's own definition by default.</param>
    public OrganEvaluationReport Evaluate(IReadOnlyList<PatientVolume> patients, SurfaceRule surfaceRule = SurfaceRule.Chaos)
    {
        ArgumentNullException.ThrowIfNull(patients);
        if (patients.Count == 0)
            throw new ArgumentException("There are no patients to evaluate.", nameof(patients));
        var scored = model.Transform(SliceLoader.Load(context, patients, slices));
        return VolumeEvaluator.EvaluateOrgans(scored, patients, slices.Labels, organs.Names, smoothingRadius: smoothingRadius, surfaceRule: surfaceRule);
    }

    /// <summary>
    /// Segments a NIfTI image file and writes the label map (uint8, the organs' label values, 0 elsewhere) with the input's
    /// header, atomically. Returns each organ's volume in ml.
    /// </summary>
    public IReadOnlyDictionary<string, double> SegmentFile(string imagePath, string labelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(imagePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelPath);
        var name = Path.GetFileName(imagePath);
        int extension = name.IndexOf(".nii", StringComparison.Ordinal);
        var image = NiftiReader.Read(imagePath);
        var classes = Segment(extension > 0 ? name[..extension] : name, image);
        var values = organs.Organs.Select(o => (float)o.Value).Prepend(0f).ToArray();
        NiftiWriter.Write(labelPath, image.WithData(Array.ConvertAll(classes, c => values[c])), NiftiDataType.UInt8);
        double voxelMl = image.SpacingX * image.SpacingY * image.SpacingZ / 1000;
        return organs.Organs.Select((o, i) => (o.Name, Ml: classes.Count(c => c == i + 1) * voxelMl)).ToDictionary(p => p.Name, p => p.Ml);
    }
}
