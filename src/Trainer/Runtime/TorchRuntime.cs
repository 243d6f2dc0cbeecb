using System.Runtime.CompilerServices;
using MLNet.UNet.Kernels;
using TorchSharp;

namespace MLNet.UNet.Runtime;

/// <summary>
/// Configures libtorch for correct and fast CPU work before its first use. Runs automatically when this assembly
/// loads; <see cref="EnsureInitialized"/> applies the thread count on the first engine call.
/// </summary>
/// <remarks>
/// Three settings are made in the process environment with libc <c>setenv</c> (libtorch reads the C environment,
/// not .NET's), each only when the user has not set it already:
/// <list type="bullet">
/// <item><c>ONEDNN_MAX_CPU_ISA=AVX2</c> on AMD processors with AVX-512 (see <see cref="DefaultOneDnnMaxCpuIsa"/>).
/// This is for speed, not for correctness: every convolution shape is checked before it runs, and one that oneDNN
/// computes wrong goes to a route that is right (<see cref="ConvolutionRouter"/>). On AMD Zen 4 and Zen 5 oneDNN's
/// AVX-512 kernels were wrong for every shape on one Zen 5 (the stack notes' machine) and for the medium preset's
/// input layer on another (family 26 model 2), where that one layer on the reference route made a training step
/// 2.6x as long; capped to AVX2, the U-Net presets' shapes were right on both and keep oneDNN's speed.</item>
/// <item><c>OMP_WAIT_POLICY=PASSIVE</c>: spinning OpenMP workers made two-thread runs on two vCPUs erratic.</item>
/// <item><c>TORCH_CPP_LOG_LEVEL=ERROR</c>: keeps libtorch's C++ warnings off the console.</item>
/// </list>
/// <see cref="EnsureInitialized"/> also switches NNPACK off: on processors its detection does not know (AMD Zen 5),
/// libtorch printed "Could not initialize NNPACK! Reason: Unsupported hardware" on every convolution it offered
/// to NNPACK, and then used its own kernels anyway.
/// On Linux, glibc malloc is told not to return memory to the kernel on every free (mmap churn made libtorch
/// three to four times slower); <c>MLNET_UNET_MALLOC_TUNING=0</c> leaves malloc alone, which lowered the seed
/// preset's peak training memory from 2.2 to 1.7 GB and made its steps about 1.3x slower (bench/run).
/// Elsewhere: on Windows the variables go into the process environment only (there the C runtime reads that), and on
/// macOS through libc as on Linux; malloc is left alone outside Linux (and on Linux C libraries other than glibc); the
/// processor is read with CPUID outside Linux, and is "unknown" on ARM, where no oneDNN cap is set. On Linux x64
/// <see cref="LibTorchSharpLoader"/> is also registered, for TorchSharp's native library where no build patched it.
/// </remarks>
public static class TorchRuntime
{
    static readonly object Gate = new();
    static bool threadsApplied;
    static int threads = DefaultThreadCount();
    static string? routeError;

    /// <summary>The CPU instruction-set cap given to oneDNN at start, or null when oneDNN picks the best it finds.</summary>
    public static string? OneDnnMaxCpuIsa { get; private set; }

    /// <summary>
    /// Forces every convolution onto one route instead of the checked choice of <see cref="ConvolutionRouter"/>;
    /// null (the default) lets the checks decide. Starts from the environment variable
    /// <c>MLNET_UNET_CONVOLUTION_ROUTE</c> (OneDnn, PaddedChannels or Reference) when it is set.
    /// A forced route is not checked before use; <c>unet doctor</c> checks it.
    /// </summary>
    public static ConvolutionRoute? ForcedConvolutionRoute { get; set; }

    /// <summary>
    /// The oneDNN instruction-set cap chosen for a processor when the user sets none: "AVX2" for AMD processors
    /// with AVX-512, null (oneDNN's own choice) otherwise. On Intel Xeon (Sapphire Rapids) oneDNN's AVX-512 kernels
    /// were right and 1.4x faster than AVX2; on AMD Zen 4 and Zen 5 they were wrong for every shape checked on one
    /// machine, and for the medium preset's input layer (1 -> 24) on another (family 26 model 2), where a training
    /// step then took 2.6x as long.
    /// </summary>
    public static string? DefaultOneDnnMaxCpuIsa(CpuIdentity cpu)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        return cpu.IsAmd && cpu.HasAvx512 ? "AVX2" : null;
    }

    /// <summary>
    /// Number of threads libtorch uses for one operation; defaults to the processor count. Applied on the next
    /// engine call.
    /// </summary>
    public static int Threads
    {
        get => threads;
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value, "Thread count must be at least 1.");
            lock (Gate)
            {
                threads = value;
                threadsApplied = false;
            }
        }
    }

    /// <summary>
    /// Loads libtorch (see <see cref="TorchBackend.EnsureLoaded"/>) and applies the thread count if that has not been
    /// done yet. Cheap to call often.
    /// </summary>
    /// <exception cref="NativeBackendNotFoundException">libtorch is not in the application.</exception>
    public static void EnsureInitialized()
    {
        if (threadsApplied)
            return;
        lock (Gate)
        {
            if (threadsApplied)
                return;
            if (routeError is not null)
                throw new InvalidOperationException(routeError);
            TorchBackend.EnsureLoaded();
            torch.set_num_threads(threads);
            OneDnnSwitch.DisableNnpack();
            threadsApplied = true;
        }
    }

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must run before libtorch loads.")]
    internal static void ConfigureProcess()
    {
        LibTorchSharpLoader.Register();
        OneDnnMaxCpuIsa = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is { Length: > 0 } chosen
            ? chosen
            : DefaultOneDnnMaxCpuIsa(CpuIdentity.Current) is { } cap ? SetDefault("ONEDNN_MAX_CPU_ISA", cap) : null;
        if (Environment.GetEnvironmentVariable("MLNET_UNET_CONVOLUTION_ROUTE") is { Length: > 0 } forced)
        {
            if (Enum.TryParse<ConvolutionRoute>(forced, ignoreCase: true, out var route) && Enum.IsDefined(route))
                ForcedConvolutionRoute = route;
            else
                routeError = $"MLNET_UNET_CONVOLUTION_ROUTE is '{forced}'; expected one of {string.Join(", ", Enum.GetNames<ConvolutionRoute>())}, or unset to let the kernel checks choose.";
        }
        SetDefault("OMP_WAIT_POLICY", "PASSIVE");
        SetDefault("TORCH_CPP_LOG_LEVEL", "ERROR");
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MLNET_UNET_MALLOC_TUNING") != "0")
            TuneGlibcMalloc();
    }

    static string SetDefault(string name, string value)
    {
        var existing = Environment.GetEnvironmentVariable(name);
        if (!string.IsNullOrEmpty(existing))
            return existing;
        Environment.SetEnvironmentVariable(name, value);
        if (!OperatingSystem.IsWindows())
            NativeMethods.SetEnvironmentVariable(name, value, overwrite: 0);
        return value;
    }

    static void TuneGlibcMalloc()
    {
        try
        {
            NativeMethods.MallocOption(NativeMethods.MallocMmapMax, 0);
            NativeMethods.MallocOption(NativeMethods.MallocTrimThreshold, 512 << 20);
            NativeMethods.MallocOption(NativeMethods.MallocTopPad, 64 << 20);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl, for one): nothing to tune.
        }
        catch (DllNotFoundException)
        {
        }
    }

    static int DefaultThreadCount() => Math.Max(1, Environment.ProcessorCount);
}
