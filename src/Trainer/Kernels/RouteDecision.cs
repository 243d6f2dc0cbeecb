namespace MLNet.UNet.Kernels;

/// <summary>The route the engine takes for one convolution shape, and the checks that chose it.</summary>
/// <param name="Shape">The shape.</param>
/// <param name="Route">The route taken: the first of oneDNN, padded channels and reference that passed its check.</param>
/// <param name="Checks">The checks made, in that order, up to the one that passed.</param>
/// <param name="Seconds">Time spent checking in this process (0 when every result came from the cache).</param>
public sealed record RouteDecision(ConvolutionShape Shape, ConvolutionRoute Route, IReadOnlyList<KernelCheck> Checks, double Seconds)
{
    /// <summary>True when oneDNN as libtorch dispatches it computed this shape wrong.</summary>
    public bool OneDnnFaulty => Checks.Any(c => c.Route == ConvolutionRoute.OneDnn && !c.Passed);
}
