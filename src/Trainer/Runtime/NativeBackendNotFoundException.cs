namespace MLNet.UNet.Runtime;

/// <summary>
/// A native library that the libraries leave to the application (libtorch to train, ONNX Runtime to score) could not
/// be loaded. The message names the package to add.
/// </summary>
public sealed class NativeBackendNotFoundException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="backend">The native library, as users know it ("libtorch", "ONNX Runtime").</param>
    /// <param name="packageToAdd">The NuGet package that brings it for this platform.</param>
    /// <param name="message">The whole message.</param>
    /// <param name="inner">What the loader reported.</param>
    public NativeBackendNotFoundException(string backend, string packageToAdd, string message, Exception? inner)
        : base(message, inner)
    {
        Backend = backend;
        PackageToAdd = packageToAdd;
    }

    /// <summary>The native library that could not be loaded.</summary>
    public string Backend { get; }

    /// <summary>The NuGet package that brings it for this platform.</summary>
    public string PackageToAdd { get; }
}
