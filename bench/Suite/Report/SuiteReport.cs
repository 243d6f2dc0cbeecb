using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MLNet.UNet.Bench.Report;

/// <summary>The suite's results as a Markdown report and a JSON document, with the issue's targets checked.</summary>
sealed class SuiteReport(SuiteSettings settings, JsonObject machine, JsonObject results, string? pytorchMissing, TimeSpan duration)
{
    static readonly string[] InferencePaths = ["pipeline", "ort", "torchsharp", "pytorch"];
    static readonly Dictionary<string, string> PathNames = new()
    {
        ["pipeline"] = "ML.NET pipeline (ExtractPixels -> UNetSegment -> Threshold)", ["ort"] = "bare ONNX Runtime session (tuned)",
        ["torchsharp"] = "TorchSharp eval", ["pytorch"] = "PyTorch eager",
    };

    IEnumerable<BenchNetwork> Networks => BenchNetwork.All.Where(n => settings.Only is null || n.Name == settings.Only);

    double? Value(string result, params string[] path)
    {
        JsonNode? node = results[result];
        foreach (var key in path)
            node = node?[key];
        return node is JsonValue value && value.TryGetValue(out double number) ? number : null;
    }

    /// <summary>The best forward convolution of libtorch here, in GFLOP/s: the machine limit the suite divides by.</summary>
    double? ConvolutionPeak => results["peak.torchsharp"]?["gflops"] is JsonObject gflops
        ? gflops.Where(g => g.Key.StartsWith("conv", StringComparison.Ordinal)).Max(g => g.Value!.GetValue<double>())
        : null;

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# MLNet.UNet benchmark suite").AppendLine();
        md.AppendLine($"Written by `bash bench/run` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC in {duration:mm\\:ss}; every case ran in a process of its own, one after another.").AppendLine();
        md.AppendLine("## Machine").AppendLine();
        foreach (var (key, value) in machine)
            md.AppendLine($"- {key.Replace('_', ' ')}: {value?.ToString() ?? "n/a"}");
        if (pytorchMissing is not null)
            md.AppendLine($"- PyTorch column: {pytorchMissing}");
        md.AppendLine();
        AppendTargets(md);
        AppendPeak(md);
        AppendTraining(md);
        AppendRoutes(md);
        AppendInference(md);
        AppendDataPath(md);
        var failures = results.Where(r => r.Value?["error"] is not null).ToList();
        if (failures.Count > 0)
        {
            md.AppendLine("## Failed cases").AppendLine();
            foreach (var (name, value) in failures)
                md.AppendLine($"- {name}: {value!["error"]}");
            md.AppendLine();
        }
        return md.ToString();
    }

    void AppendPeak(StringBuilder md)
    {
        md.AppendLine("## Machine limit: forward fp32 convolution and matmul (GFLOP/s)").AppendLine();
        md.AppendLine("3x3 convolution, channels in = out, batch 4, at the U-Net's channel counts and sizes; the best TorchSharp convolution is the peak every other figure is divided by.").AppendLine();
        md.AppendLine("| measurement | libtorch (TorchSharp) | PyTorch |").AppendLine("|---|---|---|");
        if (results["peak.torchsharp"]?["gflops"] is JsonObject gflops)
            foreach (var (key, _) in gflops)
                md.AppendLine($"| {key} | {F(Value("peak.torchsharp", "gflops", key), 0)} | {F(Value("peak.pytorch", "gflops", key), 0)} |");
        md.AppendLine().AppendLine($"Convolution peak: **{F(ConvolutionPeak, 0)} GFLOP/s**.").AppendLine();
    }

    void AppendTraining(StringBuilder md)
    {
        md.AppendLine("## Training step (steady state, Adam, BCE + Dice, batch on the training thread)").AppendLine();
        md.AppendLine("| network | image | batch | step s | images/s | PyTorch step s | ours / PyTorch | conv GFLOP/s | of peak | peak RSS MB | PyTorch RSS MB | batch preparation |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var n in Networks)
        {
            string ours = $"train.{n.Name}.torchsharp", theirs = $"train.{n.Name}.pytorch";
            md.AppendLine($"| {n.Description} | {n.Size}x{n.Size} | {n.Batch} | {F(Value(ours, "step_seconds"), 3)} | {F(Value(ours, "images_per_second"), 1)} | " +
                          $"{F(Value(theirs, "step_seconds"), 3)} | {F(Ratio(Value(ours, "step_seconds"), Value(theirs, "step_seconds")), 2)} | " +
                          $"{F(Value(ours, "conv_gflops"), 0)} | {Percent(Ratio(Value(ours, "conv_gflops"), ConvolutionPeak))} | {F(Value(ours, "peak_rss_mb"), 0)} | " +
                          $"{F(Value(theirs, "peak_rss_mb"), 0)} | {Percent(Value(ours, "data_fraction"))} |");
        }
        md.AppendLine().AppendLine("Each side ran twice, alternating with the other; the faster run is shown (both are in latest.json). " +
                                   "conv GFLOP/s counts the convolutions of forward, weight-gradient and input-gradient passes (2 per multiply-add) over the step's wall time.").AppendLine();
    }

    void AppendRoutes(StringBuilder md)
    {
        md.AppendLine("## Convolution routes (each shape checked against float64 on this CPU; see README, TorchSharp on Debian 12)").AppendLine();
        md.AppendLine("| network | routes taken | shapes raw oneDNN got wrong | route check s | step s, checked routes | step s, all on Reference | Reference / checked | PyTorch step s | checked / PyTorch |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var n in Networks)
        {
            string ours = $"train.{n.Name}.torchsharp", reference = $"train.{n.Name}.reference", theirs = $"train.{n.Name}.pytorch";
            double? step = Value(ours, "step_seconds");
            md.AppendLine($"| {n.Description} | {results[ours]?["routes"]} | {Value(ours, "onednn_faulty_shapes")} | {F(Value(ours, "route_check_seconds"), 2)} | {F(step, 3)} | " +
                          $"{F(Value(reference, "step_seconds"), 3)} | {F(Ratio(Value(reference, "step_seconds"), step), 2)} | {F(Value(theirs, "step_seconds"), 3)} | {F(Ratio(step, Value(theirs, "step_seconds")), 2)} |");
        }
        md.AppendLine().AppendLine("Route check s is the time the first training run spent checking shapes (0 when the per-user cache already held them). " +
                                   "The Reference column forces every convolution onto libtorch's own kernels (one run): the cost of the fallback where oneDNN is wrong.").AppendLine();
    }

    void AppendInference(StringBuilder md)
    {
        md.AppendLine("## Inference (probabilities; the pipeline also thresholds)").AppendLine();
        md.AppendLine("| network | path | batch 1 ms/image | batch 8 images/s | load + first prediction s | peak RSS MB | batch 1 vs PyTorch | batch 1 vs bare ORT |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var n in Networks)
            foreach (var path in InferencePaths)
            {
                string key = $"infer.{n.Name}.{path}";
                double? latency = Value(key, "latency_b1_ms");
                md.AppendLine($"| {n.Description} @ {n.Size} | {PathNames[path]} | {F(latency, 1)} | {F(Value(key, "throughput_b8"), 1)} | " +
                              $"{F(Value(key, "load_first_seconds"), 2)} | {F(Value(key, "peak_rss_mb"), 0)} | " +
                              $"{F(Ratio(latency, Value($"infer.{n.Name}.pytorch", "latency_b1_ms")), 2)} | {F(Ratio(latency, Value($"infer.{n.Name}.ort", "latency_b1_ms")), 2)} |");
            }
        md.AppendLine();
        md.AppendLine("Load + first prediction is timed inside a fresh process from before the model is opened (PyTorch: from before `import torch`) to the first result; " +
                      "the pipeline and ONNX Runtime rows load no TorchSharp. The pipeline's batch 8 is 8 rows through `Transform`. " +
                      "Every path ran three times, in turn with the others, each in a fresh process; the row shows its run with the fastest batch 1 " +
                      "(all three batch 1 figures are in latest.json).");
        foreach (var n in Networks)
            if (Value($"infer.{n.Name}.pytorch", "parity_max_abs") is { } parity)
                md.AppendLine($"PyTorch runs the same network with TorchSharp's weights ({n.Name}): largest difference of the probabilities {parity:G2}.");
        md.AppendLine();
    }

    void AppendDataPath(StringBuilder md)
    {
        md.AppendLine("## Data path: CHAOS slices (LiverMri example settings: base 24, depth 5, batch norm, 128x128, batch 8, affine + intensity augmentation)").AppendLine();
        if (results["data.chaos"]?["skipped"] is { } skipped)
        {
            md.AppendLine($"Skipped: {skipped}").AppendLine();
            return;
        }
        md.AppendLine("| patients | slices | read + normalise + resample (s, once) | step s | batch preparation ms/step | share of the step |").AppendLine("|---|---|---|---|---|---|");
        md.AppendLine($"| {Value("data.chaos", "patients")} | {Value("data.chaos", "slices")} | {F(Value("data.chaos", "load_seconds"), 1)} | {F(Value("data.chaos", "step_seconds"), 3)} | " +
                      $"{F(Value("data.chaos", "data_ms_per_step"), 1)} | {Percent(Value("data.chaos", "data_fraction"))} |").AppendLine();
    }

    IEnumerable<(string Target, string Measured, bool? Met)> Targets()
    {
        foreach (var n in Networks)
        {
            var ratio = Ratio(Value($"train.{n.Name}.torchsharp", "step_seconds"), Value($"train.{n.Name}.pytorch", "step_seconds"));
            yield return ($"training step <= 0.8x PyTorch ({n.Name})", F(ratio, 2) + "x", ratio <= 0.8);
        }
        if (Networks.Any(n => n.Name == "seed"))
        {
            var share = Ratio(Value("train.seed.torchsharp", "conv_gflops"), ConvolutionPeak);
            yield return ("seed preset training >= 85% of the convolution peak", Percent(share), share >= 0.85);
            var rss = Value("train.seed.torchsharp", "peak_rss_mb");
            yield return ("seed preset training (batch 4) <= 2.0 GB peak RSS", $"{F(rss, 0)} MB", rss <= 2048);
        }
        foreach (var n in Networks)
        {
            var overhead = Ratio(Value($"infer.{n.Name}.pipeline", "latency_b1_ms"), Value($"infer.{n.Name}.ort", "latency_b1_ms"));
            yield return ($"ML.NET pipeline <= 1.10x bare ONNX Runtime, batch 1 ({n.Name})", F(overhead, 2) + "x", overhead <= 1.10);
            var ort = Ratio(Value($"infer.{n.Name}.ort", "latency_b1_ms"), Value($"infer.{n.Name}.pytorch", "latency_b1_ms"));
            yield return ($"ONNX Runtime <= 0.6x PyTorch eager, batch 1 ({n.Name})", F(ort, 2) + "x", ort <= 0.6);
            var rss = Value($"infer.{n.Name}.pipeline", "peak_rss_mb");
            yield return ($"loaded pipeline scoring <= 400 MB peak RSS ({n.Name})", $"{F(rss, 0)} MB", rss <= 400);
        }
        var data = Value("data.chaos", "data_fraction");
        yield return ("CHAOS batch preparation < 5% of the step", Percent(data), data < 0.05);
    }

    void AppendTargets(StringBuilder md)
    {
        md.AppendLine("## Targets").AppendLine().AppendLine("| target | measured | met |").AppendLine("|---|---|---|");
        foreach (var (target, measured, met) in Targets())
        {
            bool known = !measured.StartsWith("n/a", StringComparison.Ordinal);
            md.AppendLine($"| {target} | {measured} | {(!known ? "not measured" : met == true ? "yes" : "**no**")} |");
        }
        md.AppendLine();
    }

    public JsonObject ToJson() => new()
    {
        ["written_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        ["duration_seconds"] = Math.Round(duration.TotalSeconds),
        ["machine"] = machine.DeepClone(),
        ["pytorch_missing"] = pytorchMissing,
        ["convolution_peak_gflops"] = ConvolutionPeak,
        ["results"] = results.DeepClone(),
        ["targets"] = new JsonArray(Targets().Select(t => (JsonNode)new JsonObject
        {
            ["target"] = t.Target, ["measured"] = t.Measured, ["met"] = t.Measured.StartsWith("n/a", StringComparison.Ordinal) ? null : t.Met,
        }).ToArray()),
    };

    static double? Ratio(double? a, double? b) => a is { } x && b is { } y && y != 0 ? x / y : null;
    static string F(double? value, int decimals) => value?.ToString("F" + decimals, CultureInfo.InvariantCulture) ?? "n/a";
    static string Percent(double? value) => value is { } v ? (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%" : "n/a";
}
