using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet.Segment;

/// <summary>Images and masks (binary, or class indices) read from an <see cref="IDataView"/>, with everything checked.</summary>
internal sealed record SegmentationRows(List<float[]> Images, List<float[]> Masks, int EmptyMasks, float LabelMaximum, List<float[]>? Regions = null,
    List<float[]>? Fractions = null, List<bool>? Pooled = null);

/// <summary>Reads a features column and a label column into arrays, checking values and binarizing the masks.</summary>
internal static class SegmentationDataReader
{
    /// <param name="data">The rows.</param>
    /// <param name="features">Features column (C x H x W floats).</param>
    /// <param name="label">Label column (H x W floats or bytes).</param>
    /// <param name="shape">Image shape.</param>
    /// <param name="range">Declared range of the mask values.</param>
    /// <param name="binarizationThreshold">Fraction of the range at or above which a mask pixel is foreground.</param>
    /// <param name="isCanceled">Polled once per row.</param>
    /// <param name="regions">Optional column of augmentation region indices (H x W Single), read as it is.</param>
    /// <param name="classes">Output classes: 1 binarizes the masks; more maps each value to a class index (<see cref="ClassLabels.ToIndices"/>).</param>
    /// <param name="labelValues">With several classes, the label value of each class (index = class); null: the values are the class indices.</param>
    /// <param name="fractions">Optional column of label fractions (K x H x W Single, K = 1 for one class, else the classes), read as it is.</param>
    /// <param name="pooled">Optional Boolean column: the rows of the pool that each epoch draws from anew.</param>
    public static SegmentationRows Read(IDataView data, string features, string label, ImageShape shape,
        LabelRange range, float binarizationThreshold, Func<bool> isCanceled, string? regions = null, int classes = 1, float[]? labelValues = null,
        string? fractions = null, string? pooled = null)
    {
        if (pooled is not null && data.Schema.GetColumnOrNull(pooled)?.Type != BooleanDataViewType.Instance)
            throw new ArgumentOutOfRangeException(nameof(pooled),
                $"Epoch draw column '{pooled}' must be a Boolean column (true for the rows drawn anew each epoch); the data has " +
                (data.Schema.GetColumnOrNull(pooled) is { } found ? $"it as {found.Type}." : "no such column."));
        var labelType = ImageShape.CheckLabel(data.Schema, label, shape);
        if (regions is not null && ImageShape.CheckLabel(data.Schema, regions, shape) != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(regions), $"Region column '{regions}' must be a vector of Single (H x W region indices).");
        var images = new List<float[]>();
        var masks = new List<float[]>();
        var regionMaps = regions is null ? null : new List<float[]>();
        var featureColumn = data.Schema[features];
        var labelColumn = data.Schema[label];
        // One plane, the organ's share, also serves a two-class (softmax) network: the background has the rest.
        bool organPlaneOnly = fractions is not null && ImageShape.CheckFractions(data.Schema, fractions, shape, classes) < classes;
        var fractionMaps = fractions is null ? null : new List<float[]>();
        var pooledFlags = pooled is null ? null : new List<bool>();
        var columns = new List<DataViewSchema.Column> { featureColumn, labelColumn };
        if (pooled is not null)
            columns.Add(data.Schema[pooled]);
        if (regions is not null)
            columns.Add(data.Schema[regions]);
        if (fractions is not null)
            columns.Add(data.Schema[fractions]);
        using (var cursor = data.GetRowCursor(columns))
        {
            var featureGetter = cursor.GetGetter<VBuffer<float>>(featureColumn);
            Func<float[]> readLabel = labelType == NumberDataViewType.Byte
                ? Reader<byte>(cursor, labelColumn, b => b)
                : Reader<float>(cursor, labelColumn, f => f);
            Func<float[]>? readRegions = regions is null ? null : Reader<float>(cursor, data.Schema[regions], f => f);
            Func<float[]>? readFractions = fractions is null ? null : Reader<float>(cursor, data.Schema[fractions], f => f);
            if (organPlaneOnly)
                readFractions = WithBackgroundPlane(readFractions!);
            ValueGetter<bool>? pooledGetter = pooled is null ? null : cursor.GetGetter<bool>(data.Schema[pooled]);
            VBuffer<float> buffer = default;
            int row = 0;
            while (cursor.MoveNext())
            {
                if (isCanceled())
                    throw new OperationCanceledException("Reading the training data was cancelled.");
                featureGetter(ref buffer);
                if (buffer.Length != shape.Size)
                    throw new InvalidOperationException(
                        $"Features column '{features}', row {row}: {buffer.Length} values, expected C x H x W = {shape} = {shape.Size}.");
                var image = new float[shape.Size];
                buffer.CopyTo(image);
                int bad = Array.FindIndex(image, v => !float.IsFinite(v));
                if (bad >= 0)
                    throw new InvalidOperationException($"Features column '{features}', row {row}: value {image[bad]} at index {bad}; pixels must be finite.");
                images.Add(image);
                masks.Add(readLabel());
                regionMaps?.Add(readRegions!());
                fractionMaps?.Add(readFractions!());
                if (pooledGetter is not null)
                {
                    bool inPool = false;
                    pooledGetter(ref inPool);
                    pooledFlags!.Add(inPool);
                }
                row++;
            }
        }
        if (images.Count == 0)
            throw new InvalidOperationException($"The training data is empty: no rows to read from columns '{features}' and '{label}'.");
        if (classes > 1)
        {
            var values = labelValues ?? ClassLabels.Identity(classes);
            int withoutClasses = masks.Select((mask, r) => ClassLabels.ToIndices(mask, values, $"Label column '{label}', row {r}")).Count(any => !any);
            return new SegmentationRows(images, masks, withoutClasses, classes - 1, regionMaps, fractionMaps, pooledFlags);
        }

        float maximum = range switch
        {
            LabelRange.UnitInterval => 1f,
            LabelRange.Byte => 255f,
            _ => labelType == NumberDataViewType.Byte || masks.Any(m => m.Any(v => v > 1f)) ? 255f : 1f,
        };
        float cut = binarizationThreshold * maximum;
        int empty = 0;
        for (int r = 0; r < masks.Count; r++)
        {
            var mask = masks[r];
            bool any = false;
            for (int i = 0; i < mask.Length; i++)
            {
                float v = mask[i];
                if (!(v >= 0 && v <= maximum))
                    throw new InvalidOperationException(
                        $"Label column '{label}', row {r}: value {v} at pixel {i} is outside the label range [0, {maximum}] " +
                        $"({(range == LabelRange.Auto ? "detected" : "declared")}); masks must be 0..1 or 0..255.");
                mask[i] = v >= cut ? 1f : 0f;
                any |= mask[i] > 0;
            }
            if (!any)
                empty++;
        }
        return new SegmentationRows(images, masks, empty, maximum, regionMaps, fractionMaps, pooledFlags);
    }

    static Func<float[]> WithBackgroundPlane(Func<float[]> readOrganPlane) => () =>
    {
        var organ = readOrganPlane();
        var both = new float[2 * organ.Length];
        for (int i = 0; i < organ.Length; i++)
            (both[i], both[organ.Length + i]) = (1 - organ[i], organ[i]);
        return both;
    };

    static Func<float[]> Reader<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, float> convert)
    {
        var getter = cursor.GetGetter<VBuffer<T>>(column);
        VBuffer<T> buffer = default;
        return () =>
        {
            getter(ref buffer);
            var values = new float[buffer.Length];
            int i = 0;
            foreach (var value in buffer.DenseValues())
                values[i++] = convert(value);
            return values;
        };
    }
}
