using System.Runtime.Intrinsics.X86;
using System.Text;

namespace MLNet.UNet.Runtime;

/// <summary>The processor: vendor, family, model and instruction-set flags, as the kernel checks key their results by.</summary>
/// <param name="Vendor">"AuthenticAMD", "GenuineIntel", or another CPUID vendor string; "unknown" when not found.</param>
/// <param name="Family">CPU family (25 is AMD Zen 3 and Zen 4, 26 Zen 5, 6 most Intel cores); -1 when unknown.</param>
/// <param name="Model">Model number within the family; -1 when unknown.</param>
/// <param name="ModelName">The marketing name, when the system gives one.</param>
/// <param name="Flags">Instruction-set flags in /proc/cpuinfo's spelling (avx2, avx512f, ...).</param>
public sealed record CpuIdentity(string Vendor, int Family, int Model, string ModelName, IReadOnlySet<string> Flags)
{
    /// <summary>True for AMD processors.</summary>
    public bool IsAmd => Vendor == "AuthenticAMD";

    /// <summary>True when the processor has AVX-512 (foundation).</summary>
    public bool HasAvx512 => Flags.Contains("avx512f");

    /// <summary>One line for reports: vendor, family, model, name and the widest vector extension.</summary>
    public override string ToString() =>
        $"{Vendor} family {Family} model {Model}" + (ModelName.Length > 0 ? $" ({ModelName})" : "") +
        (HasAvx512 ? ", AVX-512" : Flags.Contains("avx2") ? ", AVX2" : "");

    /// <summary>The processor this process runs on: /proc/cpuinfo on Linux, CPUID elsewhere on x86.</summary>
    public static CpuIdentity Current { get; } = Detect();

    /// <summary>Reads the first processor of a Linux /proc/cpuinfo text.</summary>
    public static CpuIdentity FromCpuInfo(string cpuinfo)
    {
        ArgumentNullException.ThrowIfNull(cpuinfo);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in cpuinfo.Split('\n'))
        {
            if (line.Trim().Length == 0 && fields.Count > 0)
                break; // the first processor's block ends
            int colon = line.IndexOf(':');
            if (colon > 0)
                fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
        }
        return new CpuIdentity(
            fields.GetValueOrDefault("vendor_id", "unknown"),
            int.TryParse(fields.GetValueOrDefault("cpu family"), out var family) ? family : -1,
            int.TryParse(fields.GetValueOrDefault("model"), out var model) ? model : -1,
            fields.GetValueOrDefault("model name", ""),
            fields.GetValueOrDefault("flags", "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal));
    }

    static CpuIdentity Detect()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
                return FromCpuInfo(File.ReadAllText("/proc/cpuinfo"));
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return X86Base.IsSupported ? FromCpuid() : new CpuIdentity("unknown", -1, -1, System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(), new HashSet<string>());
    }

    // Windows and macOS on x86: the same fields from the CPUID instruction (leaf 0 vendor, leaf 1 signature, leaf 7 AVX-512).
    static CpuIdentity FromCpuid()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        var vendor = Encoding.ASCII.GetString([.. BitConverter.GetBytes(ebx), .. BitConverter.GetBytes(edx), .. BitConverter.GetBytes(ecx)]);
        int signature = X86Base.CpuId(1, 0).Eax;
        int baseFamily = (signature >> 8) & 0xF, baseModel = (signature >> 4) & 0xF;
        int family = baseFamily == 0xF ? baseFamily + ((signature >> 20) & 0xFF) : baseFamily;
        int model = baseFamily is 0x6 or 0xF ? baseModel + (((signature >> 16) & 0xF) << 4) : baseModel;
        var flags = new HashSet<string>(StringComparer.Ordinal);
        if (Avx2.IsSupported)
            flags.Add("avx2");
        if ((X86Base.CpuId(7, 0).Ebx & (1 << 16)) != 0)
            flags.Add("avx512f");
        return new CpuIdentity(vendor, family, model, "", flags);
    }
}
