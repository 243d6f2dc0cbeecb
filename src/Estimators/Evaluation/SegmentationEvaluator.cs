using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet.Evaluation;

/// <summary>Compares predicted masks with ground-truth masks, row by row.</summary>
internal static class SegmentationEvaluator
{
    /// <summary>
    /// Reads both columns (vectors of Single or Byte of the same size); a label pixel is foreground at or above
    /// half its range ([0, 1], or [0, 255] when any value is above 1), a predicted pixel when above 0.
    /// </summary>
    public static SegmentationMetrics Evaluate(IDataView data, string labelColumnName, string predictedColumnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        var label = Column(data, labelColumnName, "Label");
        var predicted = Column(data, predictedColumnName, "Predicted mask");
        var labelValues = Read(data, label);
        var predictedValues = Read(data, predicted);
        if (labelValues.Count == 0)
            throw new InvalidOperationException($"There are no rows to evaluate in columns '{labelColumnName}' and '{predictedColumnName}'.");
        float labelCut = labelValues.Any(row => row.Any(v => v > 1f)) ? 127.5f : 0.5f;
        var overlaps = new List<ImageOverlap>(labelValues.Count);
        for (int row = 0; row < labelValues.Count; row++)
        {
            var truth = labelValues[row];
            var guess = predictedValues[row];
            if (truth.Length != guess.Length)
                throw new InvalidOperationException(
                    $"Row {row}: label column '{labelColumnName}' has {truth.Length} values but predicted column '{predictedColumnName}' has {guess.Length}.");
            var overlap = Overlap.Of(guess.Select(v => v > 0).ToArray(), truth.Select(v => v >= labelCut).ToArray());
            overlaps.Add(new ImageOverlap(row, overlap.Dice, overlap.IoU, overlap.Predicted, overlap.True));
        }
        return new SegmentationMetrics(overlaps);
    }

    /// <summary>
    /// Reads a label column of class maps (class indices, or the values of <paramref name="labelValues"/>, each to the
    /// nearest) and a predicted column of class indices (ArgMax's), and scores each foreground class against the rest.
    /// </summary>
    public static ClassSegmentationMetrics EvaluateClasses(IDataView data, int classes, string labelColumnName, string predictedColumnName, float[]? labelValues)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (classes < 2)
            throw new ArgumentOutOfRangeException(nameof(classes), $"Class maps have 2 classes or more (the background is class 0), got {classes}; for one class use Evaluate.");
        if (labelValues is not null && labelValues.Length != classes)
            throw new ArgumentException($"There are {labelValues.Length} label values for {classes} classes; give one per class, the background first.", nameof(labelValues));
        var labelRows = Read(data, Column(data, labelColumnName, "Label"));
        var predictedRows = Read(data, Column(data, predictedColumnName, "Predicted label"));
        if (labelRows.Count == 0)
            throw new InvalidOperationException($"There are no rows to evaluate in columns '{labelColumnName}' and '{predictedColumnName}'.");
        for (int row = 0; row < labelRows.Count; row++)
        {
            if (labelRows[row].Length != predictedRows[row].Length)
                throw new InvalidOperationException(
                    $"Row {row}: label column '{labelColumnName}' has {labelRows[row].Length} values but predicted column '{predictedColumnName}' has {predictedRows[row].Length}.");
            Segment.ClassLabels.ToIndices(labelRows[row], labelValues ?? Segment.ClassLabels.Identity(classes), $"Label column '{labelColumnName}', row {row}");
        }
        var perClass = Enumerable.Range(1, classes - 1).Select(klass => new SegmentationMetrics(labelRows.Select((truth, row) =>
        {
            var overlap = Overlap.Of(predictedRows[row].Select(v => v == klass).ToArray(), truth.Select(v => v == klass).ToArray());
            return new ImageOverlap(row, overlap.Dice, overlap.IoU, overlap.Predicted, overlap.True);
        }).ToList())).ToList();
        return new ClassSegmentationMetrics(perClass);
    }

    static DataViewSchema.Column Column(IDataView data, string name, string role)
    {
        var column = data.Schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(data),
                $"{role} column '{name}' was not found; the columns are: {string.Join(", ", data.Schema.Select(c => c.Name))}.");
        if (column.Type is not VectorDataViewType { ItemType: var item } || (item != NumberDataViewType.Single && item != NumberDataViewType.Byte))
            throw new ArgumentOutOfRangeException(nameof(data),
                $"Schema mismatch for {role.ToLowerInvariant()} column '{name}': expected a vector of Single or Byte, got {column.Type}.");
        return column;
    }

    static List<float[]> Read(IDataView data, DataViewSchema.Column column)
    {
        var rows = new List<float[]>();
        using var cursor = data.GetRowCursor([column]);
        if (((VectorDataViewType)column.Type).ItemType == NumberDataViewType.Byte)
        {
            var getter = cursor.GetGetter<VBuffer<byte>>(column);
            VBuffer<byte> buffer = default;
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                rows.Add(buffer.DenseValues().Select(b => (float)b).ToArray());
            }
            return rows;
        }
        var floats = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> values = default;
        while (cursor.MoveNext())
        {
            floats(ref values);
            rows.Add(values.DenseValues().ToArray());
        }
        return rows;
    }
}
