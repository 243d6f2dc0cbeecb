using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet.Segment;

/// <summary>Channels, height and width of the images in a features column (channel-planar, C x H x W).</summary>
internal readonly record struct ImageShape(int Channels, int Height, int Width)
{
    public int Size => Channels * Height * Width;

    public int PixelCount => Height * Width;

    public override string ToString() => $"{Channels} x {Height} x {Width}";

    /// <summary>
    /// The shape of the images in <paramref name="column"/>: from the vector type's dimensions (ExtractPixels
    /// declares C x H x W), or from <paramref name="given"/> when the type only knows the size.
    /// </summary>
    public static ImageShape OfFeatures(DataViewSchema schema, string column, ImageShape? given)
    {
        var type = ColumnType(schema, column, "Features");
        if (type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single || !vector.IsKnownSize)
            throw SchemaMismatch("Features", column,
                "a known-size vector of Single holding C x H x W pixels (the output of ExtractPixels)", type);
        var dims = vector.Dimensions;
        if (dims.Length == 3)
        {
            var declared = new ImageShape(dims[0], dims[1], dims[2]);
            if (given is { } expected && expected != declared)
                throw new ArgumentOutOfRangeException(nameof(schema),
                    $"Features column '{column}' declares images of C x H x W = {declared}, but the options say {expected}.");
            return declared;
        }
        if (given is not { } shape)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"The image shape of features column '{column}' is unknown (its type is {type}, without C x H x W " +
                "dimensions); set ImageChannels, ImageHeight and ImageWidth in the options.");
        if (shape.Size != vector.Size)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Features column '{column}' has vectors of {vector.Size} values; C x H x W = {shape} needs {shape.Size}.");
        return shape;
    }

    /// <summary>Checks that <paramref name="column"/> holds one H x W mask per row, as Single or Byte; returns its item type.</summary>
    public static DataViewType CheckLabel(DataViewSchema schema, string column, ImageShape image)
    {
        var type = ColumnType(schema, column, "Label");
        string expected = $"a vector of Single or Byte holding H x W = {image.Height} x {image.Width} = {image.PixelCount} mask pixels";
        if (type is not VectorDataViewType vector
            || (vector.ItemType != NumberDataViewType.Single && vector.ItemType != NumberDataViewType.Byte)
            || !vector.IsKnownSize)
            throw SchemaMismatch("Label", column, expected, type);
        if (vector.Size != image.PixelCount)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Label column '{column}' has masks of {vector.Size} values ({type}), but the images are " +
                $"{image.Height} x {image.Width}; expected {expected}. Extract one colour channel of the mask image at the same size.");
        return vector.ItemType;
    }

    /// <summary>
    /// Checks a label fraction column: a vector of Single with one plane of H x W per class (one for one class), or for
    /// two classes the second's plane alone. Returns its planes.
    /// </summary>
    public static int CheckFractions(DataViewSchema schema, string column, ImageShape image, int classes)
    {
        var type = ColumnType(schema, column, "Label fraction");
        int planes = classes == 1 ? 1 : classes;
        if (type is VectorDataViewType { ItemType: var item, IsKnownSize: true, Size: var size } && item == NumberDataViewType.Single
            && (size == planes * image.PixelCount || (classes == 2 && size == image.PixelCount)))
            return size / image.PixelCount;
        throw new ArgumentOutOfRangeException(nameof(schema),
            $"Label fraction column '{column}' is {type}; expected a vector of Single holding K x H x W = {planes} x {image.Height} x {image.Width} = " +
            $"{planes * image.PixelCount} label fractions (one plane for one class, else one per class in class-index order; for two classes also the second class's plane alone).");
    }

    /// <summary>Checks a column exists in a schema shape as a known-size vector of Single (for GetOutputSchema).</summary>
    public static void CheckVectorOfSingle(SchemaShape schema, string column, string role)
    {
        var found = schema.FirstOrDefault(c => c.Name == column);
        if (found.Name is null)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"{role} column '{column}' was not found in the input; the columns are: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (found.Kind != SchemaShape.Column.VectorKind.Vector || found.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Schema mismatch for {role.ToLowerInvariant()} column '{column}': expected a known-size vector of Single, got {found.Kind} of {found.ItemType}.");
    }

    static DataViewType ColumnType(DataViewSchema schema, string column, string role)
    {
        var found = schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"{role} column '{column}' was not found in the input; the columns are: {string.Join(", ", schema.Select(c => c.Name))}.");
        return found.Type;
    }

    static ArgumentOutOfRangeException SchemaMismatch(string role, string column, string expected, DataViewType actual) =>
        new("schema", $"Schema mismatch for {role.ToLowerInvariant()} column '{column}': expected {expected}, got {actual}.");
}
