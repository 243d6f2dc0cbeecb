using MLNet.UNet.Diagnostics;
using Xunit.Abstractions;

namespace MLNet.UNet.Tests;

/// <summary>
/// Catches a machine whose libtorch kernels compute wrong values (oneDNN's AVX-512 kernels did on the AMD EPYC
/// machines this project is developed on, for channel counts above 16 that are not multiples of 16).
/// </summary>
public class NumericsSelfCheckTests(ITestOutputHelper output)
{
    [Fact]
    public void Float32ConvolutionAndInputGradientMatchFloat64ForChannelCounts1To100()
    {
        var results = NumericsSelfCheck.Convolutions(1, 100);
        Assert.Equal(100, results.Count);
        var worst = results.MaxBy(r => r.MaxRelativeError)!;
        output.WriteLine($"worst: {worst.Case}: relative error {worst.MaxRelativeError:E2}");
        var failed = results.Where(r => !r.Passed).Select(r => $"{r.Case}: {r.MaxRelativeError:E2}").ToList();
        Assert.True(failed.Count == 0, "Wrong convolutions on this machine:\n" + string.Join("\n", failed));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(24)]
    public void UNetGradientsMatchFloat64(int baseFilters)
    {
        var result = NumericsSelfCheck.UNetGradient(baseFilters);
        output.WriteLine($"{result.Case}: relative error {result.MaxRelativeError:E2}");
        Assert.True(result.Passed, $"{result.Case}: relative error {result.MaxRelativeError:E2} exceeds {NumericsSelfCheck.Tolerance}");
    }
}
