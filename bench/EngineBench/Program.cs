using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNet.UNet.Data;
using MLNet.UNet.Export;
using MLNet.UNet.Networks;
using MLNet.UNet.Runtime;
using MLNet.UNet.Training;
using static TorchSharp.torch;

// Engine benchmark: training step time and forward latency, TorchSharp against ONNX Runtime, on this machine.
// Usage: dotnet run -c Release --project bench/EngineBench -- [--threads N] [--steps N] [--only seed|small]
int threads = Environment.ProcessorCount, steps = 6;
string? only = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i]); break;
        case "--steps": steps = int.Parse(args[++i]); break;
        case "--only": only = args[++i]; break;
        default: Console.Error.WriteLine($"Unknown argument '{args[i]}'."); return 1;
    }
}
TorchRuntime.Threads = threads;
Console.WriteLine($"Machine: {Environment.ProcessorCount} logical CPUs, {Environment.OSVersion}; libtorch threads {threads}; " +
                  $"ONEDNN_MAX_CPU_ISA={TorchRuntime.OneDnnMaxCpuIsa}");
Console.WriteLine("| network | image | batch | train step (s) | train images/s | forward b1 TorchSharp (ms) | forward b1 ONNX Runtime (ms) | ORT/Torch |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
var cases = new (string Name, UNetOptions Network, int Size, int Batch)[]
{
    ("seed", UNetOptions.Seed(), 256, 4),
    ("small", new UNetOptions { BaseFilters = 16, Depth = 4, BatchNorm = true }, 128, 8),
};
foreach (var (name, network, size, batch) in cases.Where(c => only is null || c.Name == only))
{
    using var data = SyntheticShapes.Dataset(batch * (steps + 1), size, size, seed: 1);
    using var trainer = new UNetTrainer(network, new TrainerOptions { Epochs = 1, BatchSize = batch, Seed = 1 });
    var stepTimes = new List<double>();
    var clock = Stopwatch.StartNew();
    trainer.Fit(data, progress: p =>
    {
        if (!p.EpochCompleted)
        {
            stepTimes.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
        }
    });
    double step = stepTimes.Skip(1).Average();

    trainer.Network.eval();
    using var input = randn(1, network.InputChannels, size, size);
    double torchMs = Median(7, () =>
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        trainer.Network.Predict(input).data<float>();
    });
    var model = OnnxExporter.Export(trainer.Network);
    using var sessionOptions = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
    using var session = new InferenceSession(model, sessionOptions);
    var pixels = new DenseTensor<float>(input.data<float>().ToArray(), [1, network.InputChannels, size, size]);
    double ortMs = Median(7, () =>
    {
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", pixels)]);
    });
    Console.WriteLine($"| {name} (base {network.BaseFilters}, depth {network.Depth}{(network.BatchNorm ? ", BN" : "")}) | {size}x{size} | {batch} | " +
                      $"{step:F3} | {batch / step:F1} | {torchMs:F1} | {ortMs:F1} | {ortMs / torchMs:F2} |");
}
return 0;

static double Median(int runs, Action action)
{
    action();
    var times = new List<double>();
    for (int i = 0; i < runs; i++)
    {
        var clock = Stopwatch.StartNew();
        action();
        times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    return times[times.Count / 2];
}
