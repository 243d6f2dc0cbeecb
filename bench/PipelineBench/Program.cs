using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNet.UNet;
using MLNet.UNet.Data;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;

// Per-image scoring time of a fitted UNetSegment -> Threshold pipeline (PredictionEngine, in-memory pixels)
// against a bare ONNX Runtime InferenceSession on the same ONNX model: the overhead ML.NET adds.
// Usage: dotnet run -c Release --project bench/PipelineBench -- [--runs N]
int runs = args.Length == 2 && args[0] == "--runs" ? int.Parse(args[1]) : 30;
Console.WriteLine($"Machine: {Environment.ProcessorCount} logical CPUs; ONNX Runtime with default session options (as ML.NET uses them); median of {runs} runs.");
Console.WriteLine("| network | image | ML.NET pipeline (ms/image) | bare ONNX Runtime (ms/image) | ratio |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var (name, network, size) in new[]
{
    ("base 16, depth 4, batch norm", new UNetOptions { Depth = 4, BaseFilters = 16, BatchNorm = true }, 128),
    ("seed preset", UNetOptions.Seed(), 256),
})
{
    var context = new MLContext(seed: 1);
    var (images, masks) = SyntheticShapes.Generate(4, size, size, seed: 1);
    var rows = images.Zip(masks, (i, m) => new Row { Features = i, Label = m }).ToList();
    var schema = SchemaDefinition.Create(typeof(Row));
    schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, size, size);
    schema[nameof(Row.Label)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size * size);
    var data = context.Data.LoadFromEnumerable(rows, schema);
    var model = context.Segmentation().UNetSegment(new UNetSegmentOptions
        {
            Network = network, Trainer = { Epochs = 1, BatchSize = 2 }, ValidationFraction = 0,
        })
        .Append(context.Segmentation().Threshold())
        .Fit(data);
    var onnx = ((IEnumerable<ITransformer>)model).OfType<UNetSegmentTransformer>().Single().GetOnnxModel();

    var engine = context.Model.CreatePredictionEngine<Row, Output>(model, inputSchemaDefinition: schema);
    double pipeline = Median(runs, () => engine.Predict(rows[0]));

    using var session = new InferenceSession(onnx);
    var tensor = new DenseTensor<float>(rows[0].Features, [1, 1, size, size]);
    double bare = Median(runs, () =>
    {
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", tensor)]);
        var probabilities = results.First().AsEnumerable<float>().ToArray();
    });
    Console.WriteLine($"| {name} | {size}x{size} | {pipeline:F2} | {bare:F2} | {pipeline / bare:F3} |");
}
return 0;

static double Median(int runs, Action action)
{
    for (int i = 0; i < 3; i++)
        action();
    var times = new double[runs];
    for (int i = 0; i < runs; i++)
    {
        var clock = Stopwatch.StartNew();
        action();
        times[i] = clock.Elapsed.TotalMilliseconds;
    }
    Array.Sort(times);
    return times[runs / 2];
}

sealed class Row
{
    public float[] Features { get; set; } = [];
    public float[] Label { get; set; } = [];
}

sealed class Output
{
    public float[] PredictedMask { get; set; } = [];
}
