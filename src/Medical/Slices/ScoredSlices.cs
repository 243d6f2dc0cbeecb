using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet.Medical.Slices;

/// <summary>Reads back the probabilities a model wrote for <see cref="SliceLoader"/> slices, grouped by patient.</summary>
public static class ScoredSlices
{
    /// <summary>
    /// Each patient's slices as (slice index, probabilities), in the data view's row order, from its
    /// <see cref="SliceRow.PatientId"/>, <see cref="SliceRow.SliceIndex"/> and probability columns (one pass).
    /// </summary>
    /// <param name="scored">Rows with PatientId, SliceIndex and the probability column.</param>
    /// <param name="probabilityColumnName">A vector of Single per row.</param>
    public static Dictionary<string, List<(int Slice, float[] Probability)>> ByPatient(IDataView scored, string probabilityColumnName = "Probability")
    {
        ArgumentNullException.ThrowIfNull(scored);
        var patient = Column(scored, nameof(SliceRow.PatientId));
        var slice = Column(scored, nameof(SliceRow.SliceIndex));
        var probability = Column(scored, probabilityColumnName);
        if (probability.Type is not VectorDataViewType { ItemType: var item } || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(scored),
                $"Schema mismatch for probability column '{probabilityColumnName}': expected a vector of Single, got {probability.Type}.");
        var result = new Dictionary<string, List<(int, float[])>>();
        using var cursor = scored.GetRowCursor([patient, slice, probability]);
        var patientGetter = cursor.GetGetter<ReadOnlyMemory<char>>(patient);
        var sliceGetter = cursor.GetGetter<int>(slice);
        var probabilityGetter = cursor.GetGetter<VBuffer<float>>(probability);
        ReadOnlyMemory<char> id = default;
        int index = 0;
        VBuffer<float> values = default;
        while (cursor.MoveNext())
        {
            patientGetter(ref id);
            sliceGetter(ref index);
            probabilityGetter(ref values);
            var key = id.ToString();
            if (!result.TryGetValue(key, out var list))
                result[key] = list = [];
            list.Add((index, values.DenseValues().ToArray()));
        }
        return result;
    }

    static DataViewSchema.Column Column(IDataView data, string name) =>
        data.Schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(data),
            $"Column '{name}' was not found; the columns are: {string.Join(", ", data.Schema.Select(c => c.Name))}.");
}
