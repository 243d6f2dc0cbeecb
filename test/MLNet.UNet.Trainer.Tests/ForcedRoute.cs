using MLNet.UNet.Kernels;
using MLNet.UNet.Runtime;

namespace MLNet.UNet.Tests;

/// <summary>Forces every convolution onto one route (null: the checked choice) until disposed, then lets the checks choose again.</summary>
internal sealed class ForcedRoute : IDisposable
{
    ForcedRoute(ConvolutionRoute? route) => TorchRuntime.ForcedConvolutionRoute = route;

    public static ForcedRoute Use(ConvolutionRoute? route) => new(route);

    public void Dispose() => TorchRuntime.ForcedConvolutionRoute = null;
}
