using System.CommandLine;
using MLNet.UNet.Diagnostics;
using MLNet.UNet.Kernels;
using MLNet.UNet.Runtime;
using TorchSharp;

namespace MLNet.UNet.Cli.Commands;

/// <summary>
/// <c>unet doctor</c>: shows which convolution kernels are wrong on this machine, the route the engine takes for
/// each shape instead, and checks that what the engine runs is right.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var route = new Option<ConvolutionRoute?>("--route")
        {
            Description = "Force every convolution onto one route (OneDnn, PaddedChannels, Reference) and check that; " +
                "by default each shape takes the first route its check finds right. MLNET_UNET_CONVOLUTION_ROUTE does the same for every command.",
        };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads (default: the processor count); checks are per thread count." };
        var command = new Command("doctor", """
            Check this machine's numerics, float32 against float64: 3x3 convolutions with 1..100 input channels (to 24)
            and 1..32 output channels (from 1), every convolution shape of the network presets (forward, input and
            weight gradients), each along the route the engine takes, with raw oneDNN beside it; and whole U-Net
            gradients. Exit code 0 when everything the engine runs is right, 2 when something is wrong.

            Examples:
              unet doctor
              unet doctor --route Reference
            """)
        {
            route, threads,
        };
        command.SetAction(parse => environment.Run(() =>
        {
            environment.ApplyThreads(parse.GetValue(threads));
            var forcedBefore = TorchRuntime.ForcedConvolutionRoute;
            if (parse.GetValue(route) is { } forced)
                TorchRuntime.ForcedConvolutionRoute = forced;
            try
            {
                return Check(environment.Output, environment.Error);
            }
            finally
            {
                TorchRuntime.ForcedConvolutionRoute = forcedBefore;
            }
        }));
        return command;
    }

    static int Check(TextWriter output, TextWriter error)
    {
        TorchRuntime.EnsureInitialized();
        var router = ConvolutionRouter.Shared;
        output.WriteLine($"CPU: {CpuIdentity.Current}");
        output.WriteLine($"libtorch threads {TorchRuntime.Threads}; ONEDNN_MAX_CPU_ISA {TorchRuntime.OneDnnMaxCpuIsa ?? "(oneDNN's choice)"}");
        output.WriteLine(TrainingDevice.CudaAvailable
            ? $"CUDA: available ({torch.cuda.device_count()} device(s)); --device auto trains on cuda:0. The checks below are of the CPU."
            : "CUDA: not available (a CPU build of libtorch, or no NVIDIA GPU); --device auto trains on the CPU.");
        output.WriteLine(TorchRuntime.ForcedConvolutionRoute is { } forced
            ? $"Convolution route: forced to {forced} for every shape."
            : $"Convolution routes: chosen per shape by checks, cached in {router.CachePath ?? "memory"}.");

        var sweep = NumericsSelfCheck.ChannelSweep(1, 100).Concat(NumericsSelfCheck.OutputChannelSweep(1, 32))
            .DistinctBy(r => r.Shape).ToList();
        var presetShapes = NumericsSelfCheck.PresetShapes().Except(sweep.Select(r => r.Shape)).ToList();
        var reports = sweep.Concat(presetShapes.Select(s => NumericsSelfCheck.Shape(s))).ToList();
        foreach (var report in reports.Where(r => !r.OneDnn.Passed || !r.Passed || r.Route != ConvolutionRoute.OneDnn))
        {
            output.WriteLine($"  {report.Shape}: oneDNN {Verdict(report.OneDnn)} -> {report.Route} {Verdict(report.RouteCheck)}");
        }
        int wrong = reports.Count(r => !r.Passed);
        var worst = reports.MaxBy(r => r.RouteCheck.MaxRelativeError)!;
        output.WriteLine($"{reports.Count} convolution shapes (1-100 input channels to 24, 1 input channel to 1-32, and {presetShapes.Count} more of the presets {string.Join(", ", Networks.UNetOptions.PresetNames)}): " +
            $"raw oneDNN wrong for {reports.Count(r => !r.OneDnn.Passed)}; routes taken: " +
            string.Join(", ", Enum.GetValues<ConvolutionRoute>().Select(k => $"{k} {reports.Count(r => r.Route == k)}")) +
            $"; {(wrong == 0 ? "every route right" : $"{wrong} WRONG")} (worst relative error {worst.RouteCheck.MaxRelativeError:E2}, tolerance {NumericsSelfCheck.Tolerance:E0}).");

        var gradients = new[] { 4, 8, 24 }.Select(b => NumericsSelfCheck.UNetGradient(b)).ToList();
        foreach (var gradient in gradients)
            output.WriteLine($"{gradient.Case}: {(gradient.Passed ? "right" : "WRONG")} (relative error {gradient.MaxRelativeError:E2})");
        if (router.CacheWarning is { } warning)
            output.WriteLine($"note: {warning}; checks are repeated in each process.");

        if (wrong == 0 && gradients.All(g => g.Passed))
            return ExitCodes.Success;
        error.WriteLine(TorchRuntime.ForcedConvolutionRoute is { } route
            ? $"error: the forced route {route} computes wrong results on this machine; unset it to let the checks choose."
            : "error: the engine would compute wrong results on this machine; do not train here. Please report this output.");
        return ExitCodes.Failure;
    }

    static string Verdict(KernelCheck check) => $"{(check.Passed ? "right" : "WRONG")} ({check.MaxRelativeError:E2})";
}
