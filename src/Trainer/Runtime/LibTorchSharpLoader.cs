using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using TorchSharp;

namespace MLNet.UNet.Runtime;

/// <summary>
/// Loads TorchSharp's native library where the build could not patch it. TorchSharp 0.107's libLibTorchSharp.so asks
/// for GLIBCXX_3.4.32 for one symbol it never calls; Debian 12's libstdc++ stops at 3.4.30. An application's build
/// patches its own copy (buildTransitive/MLNet.UNet.Trainer.targets), but a Polyglot notebook's <c>#r "nuget: ..."</c>
/// loads the package's file from the NuGet cache, which is never changed. There, this loader writes a patched copy to
/// the user's cache folder, beside links to libtorch's libraries, and hands that to TorchSharp.
/// </summary>
internal static class LibTorchSharpLoader
{
    const string LibraryName = "LibTorchSharp";
    const string FileName = "libLibTorchSharp.so";
    const string MissingVersion = "GLIBCXX_3.4.32";
    static readonly object Gate = new();
    static IntPtr handle;

    /// <summary>
    /// Registers the loader on Linux x64, as the last resort of TorchSharp's assembly load context: it runs only when
    /// .NET's own search (and any other handler) found no loadable library. Elsewhere it does nothing.
    /// </summary>
    public static void Register()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return;
        var torchSharp = typeof(torch).Assembly;
        if (AssemblyLoadContext.GetLoadContext(torchSharp) is { } context)
            context.ResolvingUnmanagedDll += (assembly, name) => assembly == torchSharp ? Resolve(name, assembly) : IntPtr.Zero;
    }

    static IntPtr Resolve(string name, Assembly assembly)
    {
        if (name != LibraryName)
            return IntPtr.Zero;
        lock (Gate)
        {
            if (handle == IntPtr.Zero)
                handle = Load(assembly);
            return handle;
        }
    }

    // Zero leaves the load to .NET's own probing, and so to TorchSharp's error when that fails too.
    static IntPtr Load(Assembly torchSharp)
    {
        var original = Candidates(torchSharp).FirstOrDefault(File.Exists);
        if (original is null || NativeLibrary.TryLoad(original, out var loaded))
            return IntPtr.Zero;
        if (GlibcxxVersionPatch.SystemLibraryLacking(MissingVersion) is null)
            return IntPtr.Zero;
        var libTorch = LibTorchFolder(Path.GetDirectoryName(original)!, torchSharp);
        if (libTorch is null)
            return IntPtr.Zero;
        try
        {
            var patched = PatchedCopy(original, libTorch);
            return patched is not null && NativeLibrary.TryLoad(patched, out loaded) ? loaded : IntPtr.Zero;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return IntPtr.Zero;
        }
    }

    // Next to the application, next to TorchSharp.dll, and in TorchSharp's package (when it is loaded from the NuGet cache).
    static IEnumerable<string> Candidates(Assembly torchSharp)
    {
        yield return Path.Combine(AppContext.BaseDirectory, FileName);
        if (Path.GetDirectoryName(torchSharp.Location) is { Length: > 0 } folder)
        {
            yield return Path.Combine(folder, FileName);
            yield return Path.Combine(folder, "runtimes", "linux-x64", "native", FileName);
            yield return Path.Combine(folder, "..", "..", "runtimes", "linux-x64", "native", FileName);
        }
    }

    // libtorch beside the original (an application's output), or libtorch's CPU package beside TorchSharp's in the cache.
    static string? LibTorchFolder(string originalFolder, Assembly torchSharp)
    {
        if (File.Exists(Path.Combine(originalFolder, "libtorch_cpu.so")))
            return originalFolder;
        if (Path.GetDirectoryName(torchSharp.Location) is not { Length: > 0 } folder)
            return null;
        var packages = Path.GetFullPath(Path.Combine(folder, "..", "..", "..", ".."));
        var native = Path.Combine(packages, "libtorch-cpu-linux-x64", TorchBackend.LibTorchVersion, "runtimes", "linux-x64", "native");
        return File.Exists(Path.Combine(native, "libtorch_cpu.so")) ? native : null;
    }

    // The cache folder holds the patched library and links to libtorch's, which it finds through its $ORIGIN run path.
    static string? PatchedCopy(string original, string libTorch)
    {
        var cacheRoot = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var version = typeof(torch).Assembly.GetName().Version;
        var key = $"{version}-{StableHash(original + "|" + libTorch):x16}";
        var folder = Path.Combine(cacheRoot, "mlnet-unet", "libtorchsharp", key);
        var patched = Path.Combine(folder, FileName);
        if (File.Exists(patched))
            return patched;
        Directory.CreateDirectory(folder);
        foreach (var library in Directory.EnumerateFiles(libTorch))
        {
            var link = Path.Combine(folder, Path.GetFileName(library));
            if (Path.GetFileName(library) != FileName && !File.Exists(link))
                File.CreateSymbolicLink(link, library);
        }
        var bytes = File.ReadAllBytes(original);
        GlibcxxVersionPatch.MarkWeak(bytes, MissingVersion, out var error);
        if (error is not null)
            return null;
        var temporary = patched + $".{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, patched, overwrite: true);
        return patched;
    }

    static ulong StableHash(string text)
    {
        ulong hash = 14695981039346656037;
        foreach (char c in text)
            hash = (hash ^ c) * 1099511628211;
        return hash;
    }
}
