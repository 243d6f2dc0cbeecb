using System.Runtime.InteropServices;
using TorchSharp;

namespace MLNet.UNet.Runtime;

/// <summary>
/// libtorch, TorchSharp's native backend. The library references the managed TorchSharp only; the application adds
/// the libtorch build it wants (CPU for its platform, or CUDA). <see cref="EnsureLoaded"/> turns TorchSharp's long
/// loader trace into a message that names the package to add.
/// </summary>
public static class TorchBackend
{
    /// <summary>The libtorch version TorchSharp 0.107 was built against; its packages must be this version.</summary>
    public const string LibTorchVersion = "2.10.0";

    /// <summary>The libtorch CPU package for the platform this process runs on.</summary>
    public static string CpuPackage =>
        OperatingSystem.IsWindows() ? (RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "libtorch-cpu-win-arm64" : "libtorch-cpu-win-x64")
        : OperatingSystem.IsMacOS() ? "libtorch-cpu-osx-arm64"
        : "libtorch-cpu-linux-x64";

    /// <summary>
    /// Loads libtorch if it is not loaded yet. Throws <see cref="NativeBackendNotFoundException"/> naming the package
    /// to add when it cannot be loaded.
    /// </summary>
    public static void EnsureLoaded()
    {
        try
        {
            _ = torch.get_num_threads();
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
        {
            throw NotFound(e);
        }
    }

    static NativeBackendNotFoundException NotFound(Exception error)
    {
        var reported = (error is TypeInitializationException { InnerException: { } inner } ? inner : error).Message;
        string firstLine = reported.Split('\n', 2)[0].Trim();
        string present = Path.Combine(AppContext.BaseDirectory, NativeFileName("torch_cpu"));
        string why = File.Exists(present)
            ? $" libtorch is in the application folder ({present}) but TorchSharp's libLibTorchSharp did not load: on Linux " +
              "this is usually a libstdc++ older than GCC 13's, which the build of an application that references " +
              "MLNet.UNet.Trainer patches (buildTransitive/MLNet.UNet.Trainer.targets); rebuild the application, or see docs/torchsharp.md."
            : "";
        return new NativeBackendNotFoundException("libtorch", CpuPackage,
            $"TorchSharp's native backend (libtorch) could not be loaded, and training needs it. Add it to the application: " +
            $"'dotnet add package {CpuPackage} --version {LibTorchVersion}' for the CPU, or a libtorch CUDA {LibTorchVersion} build for an NVIDIA GPU." +
            why + $" TorchSharp reported: {firstLine}", error);
    }

    static string NativeFileName(string name) =>
        OperatingSystem.IsWindows() ? name + ".dll" : OperatingSystem.IsMacOS() ? "lib" + name + ".dylib" : "lib" + name + ".so";
}
