using MLNet.UNet.Runtime;

namespace MLNet.UNet.Tests;

/// <summary>The processor detection and the oneDNN cap it leads to, fed cpuinfo texts of the three machine kinds.</summary>
public class CpuIdentityTests
{
    const string Zen5 = """
        processor	: 0
        vendor_id	: AuthenticAMD
        cpu family	: 26
        model		: 2
        model name	: AMD EPYC 9R45
        flags		: fpu vme sse sse2 avx avx2 fma avx512f avx512dq avx512_bf16 avx512_vnni avx512_vp2intersect

        processor	: 1
        vendor_id	: GenuineIntel
        """;

    const string Zen3 = """
        processor	: 0
        vendor_id	: AuthenticAMD
        cpu family	: 25
        model		: 1
        model name	: AMD EPYC 7B13
        flags		: fpu sse sse2 avx avx2 fma
        """;

    const string SapphireRapids = """
        processor	: 0
        vendor_id	: GenuineIntel
        cpu family	: 6
        model		: 143
        model name	: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
        flags		: fpu sse sse2 avx avx2 fma avx512f avx512bw amx_tile
        """;

    [Fact]
    public void ReadsVendorFamilyModelAndFlagsOfTheFirstProcessor()
    {
        var cpu = CpuIdentity.FromCpuInfo(Zen5);
        Assert.Equal("AuthenticAMD", cpu.Vendor);
        Assert.Equal(26, cpu.Family);
        Assert.Equal(2, cpu.Model);
        Assert.Equal("AMD EPYC 9R45", cpu.ModelName);
        Assert.True(cpu.IsAmd);
        Assert.True(cpu.HasAvx512);
        Assert.Contains("avx512_vp2intersect", cpu.Flags);
        Assert.Contains("family 26 model 2", cpu.ToString());
    }

    [Fact]
    public void OnlyAmdWithAvx512IsCappedToAvx2()
    {
        Assert.Equal("AVX2", TorchRuntime.DefaultOneDnnMaxCpuIsa(CpuIdentity.FromCpuInfo(Zen5)));
        Assert.Null(TorchRuntime.DefaultOneDnnMaxCpuIsa(CpuIdentity.FromCpuInfo(Zen3)));
        Assert.Null(TorchRuntime.DefaultOneDnnMaxCpuIsa(CpuIdentity.FromCpuInfo(SapphireRapids)));
    }

    [Fact]
    public void AnEmptyOrForeignTextGivesAnUnknownProcessor()
    {
        var cpu = CpuIdentity.FromCpuInfo("Processor : ARMv8\nFeatures : neon\n");
        Assert.Equal("unknown", cpu.Vendor);
        Assert.Equal(-1, cpu.Family);
        Assert.False(cpu.HasAvx512);
        Assert.Null(TorchRuntime.DefaultOneDnnMaxCpuIsa(cpu));
    }

    [Fact]
    public void ThisMachineIsDetected()
    {
        if (!OperatingSystem.IsLinux())
            return;
        Assert.NotEqual("unknown", CpuIdentity.Current.Vendor);
        Assert.True(CpuIdentity.Current.Family > 0);
    }
}
