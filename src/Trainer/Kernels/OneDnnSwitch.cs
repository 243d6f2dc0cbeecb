using System.Runtime.InteropServices;
using TorchSharp;

namespace MLNet.UNet.Kernels;

/// <summary>
/// libtorch's process-wide switches for oneDNN and NNPACK (<c>at::Context::setUserEnabledMkldnn</c> and
/// <c>setUserEnabledNNPACK</c>), which TorchSharp does not expose. libtorch reads them each time it picks a
/// convolution kernel, forward and backward, so switching oneDNN off around one call sends only that call to
/// libtorch's own kernels.
/// </summary>
internal static unsafe class OneDnnSwitch
{
    static readonly object Gate = new();
    static readonly Lazy<Exports?> Symbols = new(LoadExports);
    static int suspensions;

    /// <summary>True when libtorch's switches were found (Linux and macOS builds of libtorch; Windows by MSVC names).</summary>
    public static bool Available => Symbols.Value is not null;

    /// <summary>
    /// Turns oneDNN off until the returned object is disposed. Nested and concurrent suspensions are counted:
    /// oneDNN comes back when the last one ends. Meanwhile other threads' convolutions also run on libtorch's own
    /// kernels, which is slower but never wrong.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">libtorch's switch was not found.</exception>
    public static Suspension Suspend()
    {
        var exports = Symbols.Value ?? throw new PlatformNotSupportedException(
            "libtorch's at::Context::setUserEnabledMkldnn was not found in this libtorch build, so the Reference convolution route is unavailable.");
        lock (Gate)
        {
            if (suspensions++ == 0)
                exports.SetMkldnn(exports.Context(), 0);
        }
        return new Suspension(exports);
    }

    /// <summary>
    /// Turns NNPACK off for the process. libtorch tries NNPACK for some convolutions that oneDNN does not take,
    /// and on processors its CPU detection does not know it prints "Could not initialize NNPACK! Reason:
    /// Unsupported hardware" on every such call; libtorch's own kernels are used instead either way.
    /// </summary>
    public static void DisableNnpack()
    {
        if (Symbols.Value is { } exports)
            exports.SetNnpack(exports.Context(), 0);
    }

    /// <summary>Ends one suspension.</summary>
    public readonly struct Suspension : IDisposable
    {
        readonly Exports? exports;

        internal Suspension(Exports exports) => this.exports = exports;

        /// <inheritdoc />
        public void Dispose()
        {
            if (exports is null)
                return;
            lock (Gate)
            {
                if (--suspensions == 0)
                    exports.SetMkldnn(exports.Context(), 1);
            }
        }
    }

    internal sealed class Exports(
        delegate* unmanaged<nint> context, delegate* unmanaged<nint, byte, void> setMkldnn, delegate* unmanaged<nint, byte, void> setNnpack)
    {
        public nint Context() => context();
        public void SetMkldnn(nint target, byte enabled) => setMkldnn(target, enabled);
        public void SetNnpack(nint target, byte enabled) => setNnpack(target, enabled);
    }

    // Itanium names (Linux, macOS) first, then MSVC's (Windows).
    static readonly string[][] Names =
    [
        ["_ZN2at13globalContextEv", "_ZN2at7Context20setUserEnabledMkldnnEb", "_ZN2at7Context20setUserEnabledNNPACKEb"],
        ["?globalContext@at@@YAAEAVContext@1@XZ", "?setUserEnabledMkldnn@Context@at@@QEAAX_N@Z", "?setUserEnabledNNPACK@Context@at@@QEAAX_N@Z"],
    ];

    static Exports? LoadExports()
    {
        torch.get_num_threads(); // makes TorchSharp load libtorch first
        var library = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        if (!NativeLibrary.TryLoad(library, typeof(torch).Assembly, null, out var handle))
            return null;
        foreach (var names in Names)
        {
            if (NativeLibrary.TryGetExport(handle, names[0], out var context)
                && NativeLibrary.TryGetExport(handle, names[1], out var mkldnn)
                && NativeLibrary.TryGetExport(handle, names[2], out var nnpack))
            {
                return new Exports((delegate* unmanaged<nint>)context, (delegate* unmanaged<nint, byte, void>)mkldnn,
                    (delegate* unmanaged<nint, byte, void>)nnpack);
            }
        }
        return null;
    }
}
