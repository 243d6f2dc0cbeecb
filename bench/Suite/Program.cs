using System.Text.Json.Nodes;
using MLNet.UNet.Bench;
using MLNet.UNet.Bench.Cases;
using MLNet.UNet.Bench.Measure;
using MLNet.UNet.Bench.Report;
using MLNet.UNet.Runtime;

// The benchmark suite (issue 6). Without --case it runs every case in a process of its own, the PyTorch side
// beside it, and writes <output>/latest.md and latest.json. Run it through bench/run, which installs PyTorch.
// Usage: dotnet run -c Release --project bench/Suite -- [--threads N] [--steps N] [--runs N] [--output DIR]
//        [--data DIR] [--python PATH] [--no-pytorch] [--only seed|small|medium]
var settings = SuiteSettings.Parse(args);
if (settings is null)
    return 2;
try
{
    if (settings.Case is null)
        return Suite.Run(settings);
    var result = RunCase(settings);
    Console.WriteLine(ChildProcess.ResultPrefix + result.ToJsonString());
    return 0;
}
catch (Exception error) when (settings.Case is not null)
{
    // The stack first, for a reader of stderr; the one-line cause last, for the suite's report.
    Console.Error.WriteLine(error.ToString());
    Console.Error.WriteLine($"{error.GetType().Name}: {error.Message}");
    return 1;
}

static JsonObject RunCase(SuiteSettings settings)
{
    switch (settings.Case)
    {
        case "pipeline":
            return PipelineInferenceCase.Run(settings.Folder!, settings.Size, settings.Runs);
        case "ort":
            return OnnxRuntimeInferenceCase.Run(settings.Folder!, 1, settings.Size, settings.Threads, settings.Runs);
    }
    TorchRuntime.Threads = settings.Threads;
    TorchRuntime.ForcedConvolutionRoute = settings.Route;
    return settings.Case switch
    {
        "peak" => PeakCase.Run(),
        "train" => TrainingCase.Run(BenchNetwork.Named(settings.Network!), settings.Steps),
        "prepare" => PrepareCase.Run(BenchNetwork.Named(settings.Network!), settings.Folder!),
        "torchsharp" => TorchSharpInferenceCase.Run(BenchNetwork.Named(settings.Network!), settings.Folder!, settings.Runs),
        "data" => DataPathCase.Run(settings.Data!, settings.Steps),
        _ => throw new ArgumentException($"Unknown case '{settings.Case}'."),
    };
}
