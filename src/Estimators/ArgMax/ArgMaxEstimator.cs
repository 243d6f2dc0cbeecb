using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Segment;

namespace MLNet.UNet.ArgMax;

/// <summary>
/// Builds an <see cref="ArgMaxTransformer"/> for the shape of the probabilities column (1 x C x H x W): each pixel gets
/// the class of highest probability, as a byte, ready for ConvertToImage with a palette. Nothing is learned. For one
/// class (binary models) use Threshold.
/// </summary>
public sealed class ArgMaxEstimator : IEstimator<ArgMaxTransformer>
{
    readonly MLContext context;
    readonly ArgMaxOptions options;

    internal ArgMaxEstimator(MLContext context, ArgMaxOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.context = context;
        this.options = options;
    }

    /// <inheritdoc />
    public ArgMaxTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = input.Schema.GetColumnOrNull(options.InputColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(input),
                $"Input column '{options.InputColumnName}' was not found; the columns are: {string.Join(", ", input.Schema.Select(c => c.Name))}.");
        if (column.Type is not VectorDataViewType { ItemType: var item, IsKnownSize: true, Dimensions: { Length: 4 } dims } || item != NumberDataViewType.Single
            || dims[1] < 2)
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Schema mismatch for input column '{options.InputColumnName}': expected a known-size vector of Single holding 1 x C x H x W class " +
                $"probabilities with C of 2 or more (UNetSegment with Network.OutputClasses above 1), got {column.Type}. For one class, use Threshold.");
        var onnx = ArgMaxGraph.Build(options.InputColumnName, options.OutputColumnName, [.. dims.Select(d => (long)d)]);
        return new ArgMaxTransformer(context, input, onnx, options, dims[1]);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ImageShape.CheckVectorOfSingle(inputSchema, options.InputColumnName, "Input");
        return OutputSchema.WithByteVector(context, inputSchema, options.OutputColumnName, options.InputColumnName);
    }
}
