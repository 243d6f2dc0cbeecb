using System.CommandLine;
using MLNet.UNet.Diagnostics;
using MLNet.UNet.Runtime;

namespace MLNet.UNet.Cli.Commands;

/// <summary><c>unet doctor</c>: checks that libtorch computes correctly on this machine before anyone trains on it.</summary>
internal static class DoctorCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("doctor", """
            Check this machine's numerics: float32 convolutions and input gradients for 1..100 channels, and whole U-Net
            gradients, against float64. Exit code 2 when any is wrong (set ONEDNN_MAX_CPU_ISA=AVX2 and run it again).

            Example:
              unet doctor
            """);
        command.SetAction(_ => environment.Run(() =>
        {
            TorchRuntime.EnsureInitialized();
            environment.Output.WriteLine($"libtorch threads {TorchRuntime.Threads}; ONEDNN_MAX_CPU_ISA {TorchRuntime.OneDnnMaxCpuIsa ?? "(oneDNN's choice)"}");
            var results = NumericsSelfCheck.Convolutions().Concat([NumericsSelfCheck.UNetGradient(8), NumericsSelfCheck.UNetGradient(24)]).ToList();
            var failed = results.Where(r => !r.Passed).ToList();
            var worst = results.MaxBy(r => r.MaxRelativeError)!;
            foreach (var result in failed)
                environment.Output.WriteLine($"WRONG  {result.Case}: relative error {result.MaxRelativeError:E2}");
            environment.Output.WriteLine($"{results.Count - failed.Count} of {results.Count} checks passed; worst relative error {worst.MaxRelativeError:E2} ({worst.Case}); tolerance {NumericsSelfCheck.Tolerance:E0}.");
            if (failed.Count == 0)
                return ExitCodes.Success;
            environment.Error.WriteLine("error: this machine computes wrong convolutions; do not train here until 'unet doctor' passes (try ONEDNN_MAX_CPU_ISA=AVX2).");
            return ExitCodes.Failure;
        }));
        return command;
    }
}
