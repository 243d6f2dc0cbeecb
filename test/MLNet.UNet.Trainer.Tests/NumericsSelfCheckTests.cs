using MLNet.UNet.Diagnostics;
using Xunit.Abstractions;

namespace MLNet.UNet.Tests;

/// <summary>
/// What the engine runs is right on this machine: every convolution along the route it takes, and whole U-Net
/// gradients, against float64. Raw oneDNN is reported beside it, not asserted: it is wrong on some processors.
/// </summary>
public class NumericsSelfCheckTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryConvolutionRouteTheEngineTakesForChannelCounts1To100IsRight()
    {
        var reports = NumericsSelfCheck.ChannelSweep(1, 100);
        Assert.Equal(100, reports.Count);
        Assert.All(reports, r => Assert.True(r.Shape.ChannelsLast)); // the layout the network runs in
        output.WriteLine($"raw oneDNN wrong for {reports.Count(r => !r.OneDnn.Passed)} of 100; routes: " +
            string.Join(", ", reports.GroupBy(r => r.Route).Select(g => $"{g.Key} {g.Count()}")));
        var failed = reports.Where(r => !r.Passed).Select(r => $"{r.Shape}: {r.Route} {r.RouteCheck.MaxRelativeError:E2}").ToList();
        Assert.True(failed.Count == 0, "Wrong convolutions on this machine:\n" + string.Join("\n", failed));
    }

    [Fact]
    public void EveryConvolutionRouteTheEngineTakesForOutputChannelCounts1To32IsRight()
    {
        var reports = NumericsSelfCheck.OutputChannelSweep(1, 32);
        Assert.Equal(Enumerable.Range(1, 32), reports.Select(r => r.Shape.OutputChannels));
        output.WriteLine($"raw oneDNN wrong for {reports.Count(r => !r.OneDnn.Passed)} of 32; routes: " +
            string.Join(", ", reports.GroupBy(r => r.Route).Select(g => $"{g.Key} {g.Count()}")));
        var failed = reports.Where(r => !r.Passed).Select(r => $"{r.Shape}: {r.Route} {r.RouteCheck.MaxRelativeError:E2}").ToList();
        Assert.True(failed.Count == 0, "Wrong convolutions on this machine:\n" + string.Join("\n", failed));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(24)]
    public void UNetGradientsMatchFloat64(int baseFilters)
    {
        var result = NumericsSelfCheck.UNetGradient(baseFilters);
        output.WriteLine($"{result.Case}: relative error {result.MaxRelativeError:E2}");
        Assert.True(result.Passed, $"{result.Case}: relative error {result.MaxRelativeError:E2} exceeds {NumericsSelfCheck.Tolerance}");
    }
}
