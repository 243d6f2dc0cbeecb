using System.Diagnostics;
using System.Text.Json.Nodes;
using MLNet.UNet.Bench.Measure;
using MLNet.UNet.Bench.Report;

namespace MLNet.UNet.Bench;

/// <summary>Runs every case in a child process, the PyTorch side beside it, and writes the report.</summary>
static class Suite
{
    static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(20);
    const int TrainingRounds = 2;
    const int InferenceRounds = 3;

    public static int Run(SuiteSettings settings)
    {
        var clock = Stopwatch.StartNew();
        var results = new JsonObject();
        var work = Directory.CreateTempSubdirectory("mlnet-unet-bench-");
        string script = Path.Combine(AppContext.BaseDirectory, "pytorch", "unet_bench.py");
        string? pytorchMissing = settings.PyTorch ? null : "skipped (--no-pytorch)";
        Console.WriteLine($"Benchmark suite: libtorch threads {settings.Threads}, {settings.Steps} training steps, {settings.Runs} inference runs per figure.");
        try
        {
            Measure(results, "peak.torchsharp", () => ChildProcess.RunCase(settings.ChildArguments("peak"), CaseTimeout));
            if (pytorchMissing is null)
            {
                try
                {
                    results["peak.pytorch"] = PyTorch(settings, script, ["peak"]);
                }
                catch (Exception error)
                {
                    pytorchMissing = $"PyTorch could not run ({settings.Python}): {error.Message}";
                    Console.WriteLine(pytorchMissing);
                }
            }
            foreach (var bench in BenchNetwork.All.Where(n => settings.Only is null || n.Name == settings.Only))
            {
                string folder = Path.Combine(work.FullName, bench.Name);
                var networkArguments = new[] { "--network", bench.Name };
                // Training runs alternate (ours, PyTorch, ours, PyTorch) and each side keeps its faster run, so that
                // a burst of load from the machine's neighbours does not decide the ratio.
                for (int round = 1; round <= TrainingRounds; round++)
                {
                    Measure(results, $"train.{bench.Name}.torchsharp", () =>
                        ChildProcess.RunCase(settings.ChildArguments("train").Concat(networkArguments), CaseTimeout), round, StepKey);
                    if (pytorchMissing is null)
                        Measure(results, $"train.{bench.Name}.pytorch", () => PyTorch(settings, script, ["train", "--network", bench.ToPythonJson()]),
                            round, StepKey);
                }
                // The same training along libtorch's reference kernels, the fallback for shapes oneDNN computes wrong.
                Measure(results, $"train.{bench.Name}.reference", () =>
                    ChildProcess.RunCase(settings.ChildArguments("train").Concat(networkArguments).Concat(["--route", "Reference"]), CaseTimeout));
                Measure(results, $"prepare.{bench.Name}", () =>
                    ChildProcess.RunCase(settings.ChildArguments("prepare").Concat(networkArguments).Concat(["--folder", folder]), CaseTimeout));
                var scoring = new[] { "--folder", folder, "--size", bench.Size.ToString() };
                // The inference cases alternate too, over more rounds: the ML.NET / bare ORT ratio compares two
                // figures of 10-150 ms, which one busy second on the host can swing by 30%.
                for (int round = 1; round <= InferenceRounds; round++)
                {
                    Measure(results, $"infer.{bench.Name}.pipeline", () => ChildProcess.RunCase(settings.ChildArguments("pipeline").Concat(scoring), CaseTimeout),
                        round, LatencyKey);
                    Measure(results, $"infer.{bench.Name}.ort", () => ChildProcess.RunCase(settings.ChildArguments("ort").Concat(scoring), CaseTimeout),
                        round, LatencyKey);
                    Measure(results, $"infer.{bench.Name}.torchsharp", () =>
                        ChildProcess.RunCase(settings.ChildArguments("torchsharp").Concat(networkArguments).Concat(["--folder", folder]), CaseTimeout),
                        round, LatencyKey);
                    if (pytorchMissing is null)
                        Measure(results, $"infer.{bench.Name}.pytorch", () =>
                            PyTorch(settings, script, ["infer", "--network", bench.ToPythonJson(), "--weights", folder]), round, LatencyKey);
                }
            }
            if (settings.Data is { } data && Directory.Exists(data))
                Measure(results, "data.chaos", () => ChildProcess.RunCase(settings.ChildArguments("data").Concat(["--data", data]), CaseTimeout));
            else
                results["data.chaos"] = new JsonObject { ["skipped"] = $"CHAOS data not found at '{settings.Data ?? "(no --data given)"}'." };
        }
        finally
        {
            work.Delete(recursive: true);
        }

        var report = new SuiteReport(settings, MachineInfo.Describe(settings, results), results, pytorchMissing, clock.Elapsed);
        Directory.CreateDirectory(settings.Output);
        string markdown = report.ToMarkdown();
        AtomicFile.Write(Path.Combine(settings.Output, "latest.md"), stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(markdown)));
        AtomicFile.Write(Path.Combine(settings.Output, "latest.json"),
            stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(report.ToJson().ToJsonString(new() { WriteIndented = true }))));
        Console.WriteLine();
        Console.WriteLine(markdown);
        Console.WriteLine($"Written: {Path.GetFullPath(Path.Combine(settings.Output, "latest.md"))} and latest.json ({clock.Elapsed:mm\\:ss}).");
        return results.Any(r => r.Value?["error"] is not null) ? 1 : 0;
    }

    static JsonObject PyTorch(SuiteSettings settings, string script, string[] arguments) =>
        ChildProcess.Run(settings.Python,
            new[] { script }.Concat(arguments).Concat(["--threads", settings.Threads.ToString(), "--steps", settings.Steps.ToString(), "--runs", settings.Runs.ToString()]),
            CaseTimeout);

    const string StepKey = "step_seconds", LatencyKey = "latency_b1_ms";

    // A case measured over several rounds keeps the figures of its fastest round (by fastestKey) and lists that
    // key's value of every round under "<key>_per_round".
    static void Measure(JsonObject results, string name, Func<JsonObject> run, int round = 1, string? fastestKey = null)
    {
        Console.Write(round > 1 ? $"{name} (round {round}) ... " : $"{name} ... ");
        var clock = Stopwatch.StartNew();
        try
        {
            var result = run();
            Console.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s");
            if (fastestKey is not null && results[name] is JsonObject earlier && earlier[fastestKey] is { } before)
            {
                string roundsKey = fastestKey + "_per_round";
                var values = (earlier[roundsKey] as JsonArray)?.DeepClone().AsArray() ?? [before.GetValue<double>()];
                values.Add(result[fastestKey]!.GetValue<double>());
                if (result[fastestKey]!.GetValue<double>() >= before.GetValue<double>())
                    result = earlier.DeepClone().AsObject();
                result[roundsKey] = values;
            }
            results[name] = result;
        }
        catch (Exception error)
        {
            if (results[name] is null)
                results[name] = new JsonObject { ["error"] = error.Message };
            Console.WriteLine($"failed: {error.Message}");
        }
    }
}
