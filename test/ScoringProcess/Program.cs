using Microsoft.ML;
using Microsoft.ML.Data;

// Usage: ScoringProcess <model.zip> <output column> <output file> <image path>...
// Loads the model, scores the images and writes, per image, the output column's values as little-endian floats.
if (args.Length < 4)
{
    Console.Error.WriteLine("Usage: ScoringProcess <model.zip> <output column> <output file> <image path>...");
    return 1;
}
var context = new MLContext();
var model = context.Model.Load(args[0], out var inputSchema);
using var modelResources = (IDisposable)model;
Console.WriteLine($"Loaded {model.GetType().Name}; input columns: {string.Join(", ", inputSchema.Select(c => c.Name))}");
var rows = args.Skip(3).Select(path => new ImageRow { ImagePath = path, MaskPath = path }).ToList();
var scored = model.Transform(context.Data.LoadFromEnumerable(rows));
var column = scored.Schema[args[1]];
using var output = new BinaryWriter(File.Create(args[2]));
using var cursor = scored.GetRowCursor([column]);
if (column.Type is VectorDataViewType { ItemType: var item } && item == NumberDataViewType.Byte)
{
    var getter = cursor.GetGetter<VBuffer<byte>>(column);
    VBuffer<byte> buffer = default;
    while (cursor.MoveNext())
    {
        getter(ref buffer);
        foreach (var value in buffer.DenseValues())
            output.Write((float)value);
    }
}
else
{
    var getter = cursor.GetGetter<VBuffer<float>>(column);
    VBuffer<float> buffer = default;
    while (cursor.MoveNext())
    {
        getter(ref buffer);
        foreach (var value in buffer.DenseValues())
            output.Write(value);
    }
}
Console.WriteLine($"Scored {rows.Count} images into {args[2]}.");
return 0;

sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    public string MaskPath { get; set; } = "";
}
