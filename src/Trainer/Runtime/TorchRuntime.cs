using System.Runtime.CompilerServices;
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
/// <item><c>ONEDNN_MAX_CPU_ISA=AVX2</c> on AMD processors with AVX-512: oneDNN's AVX-512 convolution kernels
/// computed wrong values and gradients on AMD EPYC VMs; <see cref="Diagnostics.NumericsSelfCheck"/> detects such a
/// machine. Intel processors keep oneDNN's own choice, which was exact there.</item>
/// <item><c>OMP_WAIT_POLICY=PASSIVE</c>: spinning OpenMP workers made two-thread runs on two vCPUs erratic.</item>
/// <item><c>TORCH_CPP_LOG_LEVEL=ERROR</c>: keeps "Could not initialize NNPACK" warnings off the console.</item>
/// </list>
/// On Linux, glibc malloc is told not to return memory to the kernel on every free (mmap churn made libtorch
/// three to four times slower); <c>MLNET_UNET_MALLOC_TUNING=0</c> leaves malloc alone, which lowered the seed
/// preset's peak training memory from 2.2 to 1.7 GB and made its steps about 1.3x slower (bench/run).
/// </remarks>
public static class TorchRuntime
{
    static readonly object Gate = new();
    static bool threadsApplied;
    static int threads = DefaultThreadCount();

    /// <summary>The CPU instruction-set cap given to oneDNN at start, or null when oneDNN picks the best it finds.</summary>
    public static string? OneDnnMaxCpuIsa { get; private set; }

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

    /// <summary>Applies the thread count to libtorch if it has not been applied yet. Cheap to call often.</summary>
    public static void EnsureInitialized()
    {
        if (threadsApplied)
            return;
        lock (Gate)
        {
            if (threadsApplied)
                return;
            torch.set_num_threads(threads);
            threadsApplied = true;
        }
    }

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must run before libtorch loads.")]
    internal static void ConfigureProcess()
    {
        OneDnnMaxCpuIsa = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is { Length: > 0 } chosen
            ? chosen
            : IsAmdWithAvx512() ? SetDefault("ONEDNN_MAX_CPU_ISA", "AVX2") : null;
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

    // oneDNN's AVX-512 kernels computed wrong convolutions on AMD EPYC (Zen 4) VMs; on Intel Xeon they were exact
    // and 1.4x faster than AVX2, so only AMD processors with AVX-512 are capped.
    static bool IsAmdWithAvx512()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo"))
            return false;
        try
        {
            var lines = File.ReadLines("/proc/cpuinfo").Take(64).ToList();
            bool amd = lines.Any(l => l.StartsWith("vendor_id", StringComparison.Ordinal) && l.Contains("AuthenticAMD"));
            bool avx512 = lines.Any(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Contains(" avx512f"));
            return amd && avx512;
        }
        catch (IOException)
        {
            return true;
        }
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
