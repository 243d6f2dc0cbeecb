using System.Globalization;
using MLNet.UNet.Bench.Serving;
using MLNet.UNet.Images;
using MLNet.UNet.Runtime;

// A bounded load test on loopback: N concurrent clients for a fixed time against the service (its own process),
// then one PredictionEngine in a loop over the same zip in this process, with the CPU the figures were taken on.
// Usage (from the repository's root, after 'dotnet build src/Serving -c Release'):
//   dotnet run -c Release --project bench/Serving -- [--seconds 20] [--concurrency 1,4,16] [--engines N] [--model ZIP] [--image PNG]
var options = Arguments.Parse(args);
var repository = Arguments.Repository();
var zip = Path.GetFullPath(options.GetValueOrDefault("model") ?? Path.Combine(repository, "artifacts", "quickstart", SyntheticShapeModel.ModelFileName));
var image = Path.GetFullPath(options.GetValueOrDefault("image") ?? Path.Combine(repository, "artifacts", "quickstart", "data", "test", "shape_000.png"));
foreach (var file in new[] { zip, image })
    if (!File.Exists(file))
        throw new FileNotFoundException($"'{file}' does not exist; run 'dotnet run -c Release --project src/Examples/QuickStart' first, or pass --model and --image.", file);
var seconds = TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("seconds") ?? "20", CultureInfo.InvariantCulture));
var warmUp = TimeSpan.FromSeconds(Math.Min(3, seconds.TotalSeconds / 4));
var concurrencies = (options.GetValueOrDefault("concurrency") ?? "1,4,16").Split(',').Select(int.Parse).ToList();
int engines = int.Parse(options.GetValueOrDefault("engines") ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture));
var size = ImageDimensions.TryRead(image);

var cpu = CpuIdentity.Current;
Console.WriteLine($"CPU: {cpu.Vendor}, family {cpu.Family}, model {cpu.Model} ({cpu.ModelName}); {Environment.ProcessorCount} logical CPUs (threads)");
Console.WriteLine($"Model: {zip}; image: {image} ({size?.Width} x {size?.Height}); {seconds.TotalSeconds:F0} s per setting after {warmUp.TotalSeconds:F0} s of warm-up");
Console.WriteLine($"Service: {engines} prediction engines; ONNX Runtime with ML.NET's default session options");
Console.WriteLine();

var results = new List<Latencies>();
using (var server = await ServerProcess.StartAsync(repository, zip, port: 5091, engines))
{
    Console.WriteLine($"service started, {server.RssMb():F0} MB resident when ready");
    foreach (int concurrency in concurrencies)
    {
        var result = await LoadRun.RunAsync(server, File.ReadAllBytes(image), concurrency, seconds, warmUp);
        results.Add(result);
        Console.WriteLine($"  {concurrency,2} clients: {result.RequestsPerSecond:F1} requests/s, p50 {result.Percentile(0.5):F1} ms, p99 {result.Percentile(0.99):F1} ms");
    }
}
var loop = InProcessLoop.Run(zip, image, seconds, warmUp);
results.Add(loop);
Console.WriteLine($"  in-process loop: {loop.RequestsPerSecond:F1} predictions/s, p50 {loop.Percentile(0.5):F1} ms");
Console.WriteLine();
Console.WriteLine(Latencies.Header);
foreach (var result in results)
    Console.WriteLine(result.Row());
