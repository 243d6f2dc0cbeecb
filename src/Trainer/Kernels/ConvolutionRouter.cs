using System.Diagnostics;
using MLNet.UNet.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.UNet.Kernels;

/// <summary>
/// Chooses, per convolution shape, a CPU route that computes it right on this machine, and runs convolutions
/// along it. oneDNN's kernels in libtorch 2.10 compute some shapes wrong on some processors, silently, and which
/// ones differs between machines of one family (on one AMD Zen 5 capped to AVX2, every input channel count above 8
/// that is not a multiple of 8; on another, one input channel to any output count that is not). So before a shape is
/// first run, the router checks oneDNN for it against float64 (forward, input and weight gradients; see
/// <see cref="ConvolutionCheck"/>), then padded channels, then libtorch's reference kernels, and takes the first that
/// is right. Results are cached per machine on disk (see <see cref="CachePath"/>), so a
/// shape is checked once per processor, libtorch version, oneDNN cap and thread count.
/// </summary>
public sealed class ConvolutionRouter
{
    static readonly Lazy<ConvolutionRouter> SharedRouter = new(() => new ConvolutionRouter(KernelCheckCache.DefaultPath()));

    readonly object gate = new();
    readonly KernelCheckCache cache;
    readonly Dictionary<string, RouteDecision> decisions = [];
    readonly Func<ConvolutionRoute, ConvolutionShape, bool>? fault;

    /// <summary>The router every network uses unless it was given another.</summary>
    public static ConvolutionRouter Shared => SharedRouter.Value;

    /// <summary>
    /// A router with its own cache file (null: in memory) and, for tests, a simulated kernel fault: where
    /// <paramref name="fault"/> says so, a route's forward output is corrupted, as a wrong oneDNN kernel would.
    /// </summary>
    internal ConvolutionRouter(string? cachePath, Func<ConvolutionRoute, ConvolutionShape, bool>? fault = null)
    {
        cache = new KernelCheckCache(cachePath);
        this.fault = fault;
    }

    /// <summary>The file the checks are cached in, or null when they are kept in memory.</summary>
    public string? CachePath => cache.Path;

    /// <summary>Why the cache could not be written last time, or null.</summary>
    public string? CacheWarning { get; private set; }

    static readonly string ProcessorKey =
        $"{CpuIdentity.Current.Vendor}/{CpuIdentity.Current.Family}/{CpuIdentity.Current.Model}/{FlagsHash()}" +
        $"|torchsharp {typeof(TorchSharp.torch).Assembly.GetName().Version}|check 2";

    /// <summary>What the results are keyed by: processor, libtorch, oneDNN cap and thread count.</summary>
    public static string MachineKey => $"{ProcessorKey}|isa {TorchRuntime.OneDnnMaxCpuIsa ?? "default"}|threads {TorchRuntime.Threads}";

    /// <summary>The decisions made in this process so far.</summary>
    public IReadOnlyList<RouteDecision> Decisions
    {
        get
        {
            lock (gate)
                return [.. decisions.Values];
        }
    }

    /// <summary>
    /// The route a convolution of this shape runs on: <see cref="TorchRuntime.ForcedConvolutionRoute"/> when the user
    /// forced one, else the checked choice of <see cref="Decide"/>.
    /// </summary>
    public ConvolutionRoute RouteFor(ConvolutionShape shape) => TorchRuntime.ForcedConvolutionRoute ?? Decide(shape).Route;

    /// <summary>Checks the routes for a shape (or takes the results from the cache) and returns the choice.</summary>
    /// <exception cref="ConvolutionKernelException">No route computes the shape right on this machine.</exception>
    public RouteDecision Decide(ConvolutionShape shape)
    {
        string machine = MachineKey;
        string key = machine + "|" + shape.Key;
        lock (gate)
        {
            if (decisions.TryGetValue(key, out var known))
                return known;
            var clock = Stopwatch.StartNew();
            bool checkedHere = false;
            var checks = new List<KernelCheck>();
            foreach (var route in Candidates(shape))
            {
                var check = cache.Find(machine, shape, route);
                if (check is null)
                {
                    check = Check(shape, route);
                    cache.Add(machine, check);
                    checkedHere = true;
                }
                checks.Add(check);
                if (check.Passed)
                    break;
            }
            if (checkedHere)
                CacheWarning = cache.Save();
            if (!checks[^1].Passed)
                throw new ConvolutionKernelException(shape, checks);
            var decision = new RouteDecision(shape, checks[^1].Route, checks, checkedHere ? clock.Elapsed.TotalSeconds : 0);
            decisions[key] = decision;
            return decision;
        }
    }

    /// <summary>Checks one route for one shape now, bypassing the cache.</summary>
    public KernelCheck Check(ConvolutionShape shape, ConvolutionRoute route) =>
        ConvolutionCheck.Run(shape, route, (s, x, w, b) => RunRoute(route, s, x, w, b));

    /// <summary>
    /// Applies a convolution along its route (<see cref="RouteFor"/>). The shape's layout is taken from
    /// <paramref name="input"/>. On a GPU libtorch's own kernels run unchecked: the checks are about oneDNN, a CPU library.
    /// </summary>
    public Tensor Run(ConvolutionShape shape, Tensor input, Tensor weight, Tensor? bias)
    {
        if (input.device_type != DeviceType.CPU)
            return ConvolutionRoutes.Run(ConvolutionRoute.OneDnn, shape, input, weight, bias);
        var actual = shape.WithLayout(Networks.MemoryLayout.IsChannelsLast(input));
        return RunRoute(RouteFor(actual), actual, input, weight, bias);
    }

    Tensor RunRoute(ConvolutionRoute route, ConvolutionShape shape, Tensor input, Tensor weight, Tensor? bias)
    {
        var output = ConvolutionRoutes.Run(route, shape, input, weight, bias);
        if (fault is null || !fault(route, shape))
            return output;
        using (output)
            return output.add(1.0);
    }

    static IEnumerable<ConvolutionRoute> Candidates(ConvolutionShape shape)
    {
        yield return ConvolutionRoute.OneDnn;
        if (ConvolutionRoutes.PaddedChannelCount(shape.InputChannels) != shape.InputChannels
            || ConvolutionRoutes.PaddedChannelCount(shape.OutputChannels) != shape.OutputChannels)
            yield return ConvolutionRoute.PaddedChannels;
        if (OneDnnSwitch.Available)
            yield return ConvolutionRoute.Reference;
    }

    static string FlagsHash()
    {
        ulong hash = 14695981039346656037;
        foreach (char c in string.Join(' ', CpuIdentity.Current.Flags.Order(StringComparer.Ordinal)))
            hash = (hash ^ c) * 1099511628211;
        return hash.ToString("x16");
    }
}

/// <summary>No route computes a convolution shape right on this machine; training there would give wrong results.</summary>
public sealed class ConvolutionKernelException(ConvolutionShape shape, IReadOnlyList<KernelCheck> checks)
    : InvalidOperationException(
        $"No convolution route computes {shape} right on this processor ({CpuIdentity.Current}): " +
        string.Join("; ", checks.Select(c => $"{c.Route} relative error {c.MaxRelativeError:E2}")) +
        $" (tolerance {ConvolutionCheck.Tolerance:E0}). Training here would give wrong results; 'unet doctor' shows every check.")
{
    /// <summary>The shape.</summary>
    public ConvolutionShape Shape { get; } = shape;

    /// <summary>The checks that failed.</summary>
    public IReadOnlyList<KernelCheck> Checks { get; } = checks;
}
