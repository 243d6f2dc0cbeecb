using System.Runtime.InteropServices;

namespace MLNet.UNet.Runtime;

/// <summary>libc entry points used to configure the process before libtorch reads its environment.</summary>
internal static partial class NativeMethods
{
    /// <summary>mallopt parameter: largest number of chunks served by mmap.</summary>
    internal const int MallocMmapMax = -4;

    /// <summary>mallopt parameter: free memory at the top of the heap kept before trimming.</summary>
    internal const int MallocTrimThreshold = -1;

    /// <summary>mallopt parameter: extra memory asked of the kernel with each heap growth.</summary>
    internal const int MallocTopPad = -2;

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SetEnvironmentVariable(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    internal static partial int MallocOption(int parameter, int value);
}
