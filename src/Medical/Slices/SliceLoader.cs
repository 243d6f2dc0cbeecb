using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Slices;

/// <summary>One 2D slice of a patient's volume, ready for UNetSegment.</summary>
public sealed class SliceRow
{
    /// <summary>Patient the slice belongs to.</summary>
    public string PatientId { get; set; } = "";

    /// <summary>Index of the slice in the volume (z).</summary>
    public int SliceIndex { get; set; }

    /// <summary>Normalized intensities, C x H x W: the slice, or with neighbour slices z - k .. z + k (the slice in the middle).</summary>
    public float[] Features { get; set; } = [];

    /// <summary>Class per pixel, H x W.</summary>
    public float[] Label { get; set; } = [];

    /// <summary>
    /// Every structure of the label volume per pixel (H x W), before the mapping to classes, when
    /// <see cref="SliceLoaderOptions.KeepRegions"/> is set; empty otherwise.
    /// </summary>
    public float[] Regions { get; set; } = [];

    /// <summary>
    /// The share of each pixel that each class covers in the full-resolution label slice (K x H x W: K = 1, the
    /// organ's share, for one organ; else one plane per class, the background first), when
    /// <see cref="SliceLoaderOptions.LabelFractions"/> is set; empty otherwise.
    /// </summary>
    public float[] LabelFractions { get; set; } = [];

    /// <summary>True when the slice holds none of the classes (the organ and any context structure) of the label mapping.</summary>
    public bool OrganFree { get; set; }
}

/// <summary>
/// Turns image/label volumes into 2D slices: per-volume intensity normalization, label mapping, resizing, and a
/// choice of the slices without the organ, and optionally neighbouring slices as extra channels (2.5D). As an
/// ML.NET <see cref="IDataView"/> the Features column declares its shape (C x H x W), which is what UNetSegment reads.
/// </summary>
public static class SliceLoader
{
    /// <summary>The slices of every patient, in patient then slice order.</summary>
    public static List<SliceRow> Slices(IEnumerable<PatientVolume> patients, SliceLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var random = new Random(options.Seed);
        var rows = new List<SliceRow>();
        foreach (var patient in patients)
        {
            var image = patient.Image;
            var normalized = options.Normalization.Apply(image, $"image of patient {patient.PatientId}");
            int height = image.SizeY, width = image.SizeX;
            int outHeight = options.ImageSize ?? height, outWidth = options.ImageSize ?? width;
            // Each slice is resized once, whether it is a row's own slice or a neighbour of others.
            var resized = new float[image.SizeZ][];
            float[] Resized(int z) => resized[z] ??=
                SliceResampler.Intensities(normalized.AsSpan(z * image.SliceLength, image.SliceLength).ToArray(), height, width, outHeight, outWidth);
            for (int z = 0; z < image.SizeZ; z++)
            {
                var label = patient.Label.Slice(z);
                var regions = options.KeepRegions ? Regions(label, patient.PatientId, z) : null;
                for (int i = 0; i < label.Length; i++)
                    label[i] = options.Labels.Map(label[i]);
                bool hasOrgan = label.Any(v => v > 0);
                if (!hasOrgan && random.NextDouble() >= options.EmptySliceFraction)
                    continue;
                rows.Add(new SliceRow
                {
                    PatientId = patient.PatientId,
                    SliceIndex = z,
                    Features = Stack(Resized, z, options.NeighbourSlices, image.SizeZ, outHeight * outWidth),
                    Label = SliceResampler.Nearest(label, height, width, outHeight, outWidth),
                    Regions = regions is null ? [] : SliceResampler.Nearest(regions, height, width, outHeight, outWidth),
                    LabelFractions = options.LabelFractions ? Fractions(label, options.Labels.ClassCount, height, width, outHeight, outWidth) : [],
                    OrganFree = !hasOrgan,
                });
            }
        }
        return rows;
    }

    const int MaxRegion = 15;

    // One plane per class from the class map, each its indicator's area average; one class besides the background
    // keeps the organ's plane alone.
    static float[] Fractions(float[] classes, int classCount, int height, int width, int outHeight, int outWidth)
    {
        int first = classCount == 2 ? 1 : 0, planes = classCount - first, plane = outHeight * outWidth;
        var fractions = new float[planes * plane];
        var indicator = new float[classes.Length];
        for (int c = first; c < classCount; c++)
        {
            for (int i = 0; i < classes.Length; i++)
                indicator[i] = classes[i] == c ? 1f : 0f;
            SliceResampler.Area(indicator, height, width, outHeight, outWidth).CopyTo(fractions, (c - first) * plane);
        }
        return fractions;
    }

    static float[] Regions(float[] label, string patient, int z)
    {
        var regions = new float[label.Length];
        for (int i = 0; i < label.Length; i++)
        {
            float value = MathF.Round(label[i]);
            if (!(value >= 0 && value <= MaxRegion))
                throw new ArgumentException(
                    $"The label volume of patient {patient} holds {label[i]} at slice {z}; KeepRegions needs whole structure values 0..{MaxRegion}.");
            regions[i] = value;
        }
        return regions;
    }

    // Channel c holds slice z - k + c, clamped to the volume, so the slice itself is the middle channel.
    static float[] Stack(Func<int, float[]> slice, int z, int neighbours, int depth, int planeLength)
    {
        var features = new float[(2 * neighbours + 1) * planeLength];
        for (int c = 0; c <= 2 * neighbours; c++)
            slice(Math.Clamp(z - neighbours + c, 0, depth - 1)).CopyTo(features, c * planeLength);
        return features;
    }

    /// <summary>The slices as an IDataView with Features (Vector&lt;Single, C, H, W&gt;), Label, PatientId and SliceIndex.</summary>
    public static IDataView Load(MLContext context, IEnumerable<PatientVolume> patients, SliceLoaderOptions options) =>
        AsDataView(context, Slices(patients, options));

    /// <summary>Slices as an IDataView whose Features column declares C x H x W (C from the rows' length).</summary>
    public static IDataView AsDataView(MLContext context, IReadOnlyList<SliceRow> rows)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (rows.Count == 0)
            throw new ArgumentException("There are no slices to load.", nameof(rows));
        int side = (int)Math.Round(Math.Sqrt(rows[0].Label.Length));
        int channels = rows[0].Features.Length / Math.Max(rows[0].Label.Length, 1);
        var bad = rows.FirstOrDefault(r => side * side != r.Label.Length || channels < 1 || r.Features.Length != channels * side * side);
        if (bad is not null)
            throw new ArgumentException(
                $"Slice {bad.SliceIndex} of patient {bad.PatientId} has {bad.Features.Length} feature values and {bad.Label.Length} label values; " +
                $"every slice must be square and like the first: {channels} channel(s) of {side} x {side} (set ImageSize to make slices square).",
                nameof(rows));
        var schema = SchemaDefinition.Create(typeof(SliceRow));
        schema[nameof(SliceRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, channels, side, side);
        schema[nameof(SliceRow.Label)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, side * side);
        // Without KeepRegions the column stays, empty and of variable size, so that rows still read back as SliceRow.
        if (rows.All(r => r.Regions.Length == side * side))
            schema[nameof(SliceRow.Regions)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, side * side);
        // Likewise without LabelFractions; with them every row has as many planes as the first.
        int fractionLength = rows[0].LabelFractions.Length;
        if (fractionLength > 0 && fractionLength % (side * side) == 0 && rows.All(r => r.LabelFractions.Length == fractionLength))
            schema[nameof(SliceRow.LabelFractions)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, fractionLength);
        return context.Data.LoadFromEnumerable(rows, schema);
    }
}
