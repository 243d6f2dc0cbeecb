using MLNet.UNet.Segment;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet.Threshold;

/// <summary>
/// Builds a <see cref="ThresholdTransformer"/> for the shape of the input column; nothing is learned, the
/// threshold is the user's.
/// </summary>
public sealed class ThresholdEstimator : IEstimator<ThresholdTransformer>
{
    readonly MLContext context;
    readonly ThresholdOptions options;

    internal ThresholdEstimator(MLContext context, ThresholdOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Threshold > 0 && options.Threshold < 1))
            throw new ArgumentOutOfRangeException(nameof(options),
                $"ThresholdOptions.Threshold must be strictly between 0 and 1, got {options.Threshold}.");
        if (string.IsNullOrWhiteSpace(options.InputColumnName) || string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("ThresholdOptions.InputColumnName and OutputColumnName must name columns.", nameof(options));
        if (options.InputColumnName == options.OutputColumnName)
            throw new ArgumentException(
                $"ThresholdOptions.InputColumnName and OutputColumnName are both '{options.InputColumnName}'; the mask needs its own column.", nameof(options));
        if (!Enum.IsDefined(options.Format))
            throw new ArgumentOutOfRangeException(nameof(options), $"ThresholdOptions.Format has an unknown value {options.Format}.");
        this.context = context;
        this.options = options;
    }

    /// <inheritdoc />
    public ThresholdTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = input.Schema.GetColumnOrNull(options.InputColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(input),
                $"Input column '{options.InputColumnName}' was not found; the columns are: {string.Join(", ", input.Schema.Select(c => c.Name))}.");
        if (column.Type is not VectorDataViewType { ItemType: var item, IsKnownSize: true } vector || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Schema mismatch for input column '{options.InputColumnName}': expected a known-size vector of Single (probabilities), got {column.Type}.");
        var shape = vector.Dimensions.Select(d => (long)d).ToArray();
        var onnx = ThresholdGraph.Build(options.InputColumnName, options.OutputColumnName, shape, options.Threshold, options.Format);
        return new ThresholdTransformer(context, input, onnx, options);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ImageShape.CheckVectorOfSingle(inputSchema, options.InputColumnName, "Input");
        return options.Format == MaskFormat.Float
            ? context.Transforms.CopyColumns(options.OutputColumnName, options.InputColumnName).GetOutputSchema(inputSchema)
            : OutputSchema.WithByteVector(context, inputSchema, options.OutputColumnName, options.InputColumnName);
    }
}
