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

    /// <summary>Normalized intensities, 1 x H x W.</summary>
    public float[] Features { get; set; } = [];

    /// <summary>Class per pixel, H x W.</summary>
    public float[] Label { get; set; } = [];
}

/// <summary>
/// Turns image/label volumes into 2D slices: per-volume intensity normalization, label mapping, resizing, and a
/// choice of the slices without the organ. As an ML.NET <see cref="IDataView"/> the Features column declares its
/// shape (1 x H x W), which is what UNetSegment reads.
/// </summary>
public static class SliceLoader
{
    /// <summary>The slices of every patient, in patient then slice order.</summary>
    public static List<SliceRow> Slices(IEnumerable<PatientVolume> patients, SliceLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.EmptySliceFraction >= 0 && options.EmptySliceFraction <= 1))
            throw new ArgumentException($"EmptySliceFraction must be in [0, 1], got {options.EmptySliceFraction}.");
        if (options.ImageSize is < 1)
            throw new ArgumentException($"ImageSize must be positive or null, got {options.ImageSize}.");
        var random = new Random(options.Seed);
        var rows = new List<SliceRow>();
        foreach (var patient in patients)
        {
            var image = patient.Image;
            var normalized = options.Normalization.Apply(image, $"image of patient {patient.PatientId}");
            int height = image.SizeY, width = image.SizeX;
            int outHeight = options.ImageSize ?? height, outWidth = options.ImageSize ?? width;
            for (int z = 0; z < image.SizeZ; z++)
            {
                var label = patient.Label.Slice(z);
                for (int i = 0; i < label.Length; i++)
                    label[i] = options.Labels.Map(label[i]);
                bool hasOrgan = label.Any(v => v > 0);
                if (!hasOrgan && random.NextDouble() >= options.EmptySliceFraction)
                    continue;
                var pixels = normalized.AsSpan(z * image.SliceLength, image.SliceLength).ToArray();
                rows.Add(new SliceRow
                {
                    PatientId = patient.PatientId,
                    SliceIndex = z,
                    Features = SliceResampler.Bilinear(pixels, height, width, outHeight, outWidth),
                    Label = SliceResampler.Nearest(label, height, width, outHeight, outWidth),
                });
            }
        }
        return rows;
    }

    /// <summary>The slices as an IDataView with Features (Vector&lt;Single, 1, H, W&gt;), Label, PatientId and SliceIndex.</summary>
    public static IDataView Load(MLContext context, IEnumerable<PatientVolume> patients, SliceLoaderOptions options) =>
        AsDataView(context, Slices(patients, options));

    /// <summary>Slices as an IDataView whose Features column declares 1 x H x W.</summary>
    public static IDataView AsDataView(MLContext context, IReadOnlyList<SliceRow> rows)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (rows.Count == 0)
            throw new ArgumentException("There are no slices to load.", nameof(rows));
        int side = (int)Math.Round(Math.Sqrt(rows[0].Label.Length));
        if (side * side != rows[0].Label.Length || rows.Any(r => r.Features.Length != side * side || r.Label.Length != side * side))
            throw new ArgumentException("All slices must be square and of one size.", nameof(rows));
        var schema = SchemaDefinition.Create(typeof(SliceRow));
        schema[nameof(SliceRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, side, side);
        schema[nameof(SliceRow.Label)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, side * side);
        return context.Data.LoadFromEnumerable(rows, schema);
    }
}
