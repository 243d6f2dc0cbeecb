using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MLNet.UNet.Kernels;

/// <summary>
/// The results of kernel checks on disk, keyed by machine (processor, libtorch, oneDNN cap, threads) and by shape
/// and route, so that each is checked once per machine. Written atomically; a damaged or unreadable file is
/// ignored and written anew; where nothing can be written the results are kept in memory only.
/// </summary>
internal sealed class KernelCheckCache
{
    const int Format = 1;
    static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, WriteIndented = true };

    readonly object gate = new();
    readonly Dictionary<string, Dictionary<string, Entry>> machines;

    /// <summary>Opens the cache at <paramref name="path"/>; null keeps it in memory.</summary>
    public KernelCheckCache(string? path)
    {
        Path = path;
        machines = path is null ? [] : Read(path);
    }

    /// <summary>The file, or null for a cache in memory.</summary>
    public string? Path { get; }

    /// <summary>
    /// The default file: <c>$MLNET_UNET_CACHE/convolution-checks.json</c> when that variable is set, else in the
    /// user's cache folder (<c>$XDG_CACHE_HOME</c> or <c>~/.cache</c> on Linux and macOS, LocalApplicationData on
    /// Windows) under <c>mlnet-unet</c>. Null when there is no such folder.
    /// </summary>
    public static string? DefaultPath()
    {
        var folder = Environment.GetEnvironmentVariable("MLNET_UNET_CACHE");
        if (string.IsNullOrEmpty(folder))
        {
            var root = OperatingSystem.IsWindows()
                ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                    ? xdg
                    : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? System.IO.Path.Combine(home, ".cache") : "";
            if (root.Length == 0)
                return null;
            folder = System.IO.Path.Combine(root, "mlnet-unet");
        }
        return System.IO.Path.Combine(folder, "convolution-checks.json");
    }

    /// <summary>A stored result, or null.</summary>
    public KernelCheck? Find(string machine, ConvolutionShape shape, ConvolutionRoute route)
    {
        lock (gate)
        {
            return machines.TryGetValue(machine, out var entries) && entries.TryGetValue(EntryKey(shape, route), out var entry)
                ? new KernelCheck(shape, route, entry.Error, entry.Passed)
                : null;
        }
    }

    /// <summary>Stores a result in memory; <see cref="Save"/> writes it.</summary>
    public void Add(string machine, KernelCheck check)
    {
        lock (gate)
        {
            if (!machines.TryGetValue(machine, out var entries))
                machines[machine] = entries = [];
            entries[EntryKey(check.Shape, check.Route)] = new Entry(check.MaxRelativeError, check.Passed);
        }
    }

    /// <summary>
    /// Writes the file, merged with what other processes wrote meanwhile. Returns null, or why it could not be
    /// written (the results then stay in memory for this process).
    /// </summary>
    public string? Save()
    {
        if (Path is null)
            return null;
        lock (gate)
        {
            try
            {
                foreach (var (machine, entries) in Read(Path))
                {
                    if (!machines.TryGetValue(machine, out var mine))
                        machines[machine] = mine = [];
                    foreach (var (key, entry) in entries)
                        mine.TryAdd(key, entry);
                }
                var document = new FileContents(Format, machines);
                AtomicFile.Write(Path, stream => JsonSerializer.Serialize(stream, document, Json));
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"the convolution check cache '{Path}' could not be written ({e.Message})";
            }
        }
    }

    static string EntryKey(ConvolutionShape shape, ConvolutionRoute route) => $"{shape.Key}/{route}";

    static Dictionary<string, Dictionary<string, Entry>> Read(string path)
    {
        try
        {
            if (!File.Exists(path))
                return [];
            var document = JsonSerializer.Deserialize<FileContents>(File.ReadAllText(path), Json);
            if (document is not { Format: Format, Machines: not null })
                return [];
            return document.Machines
                .Where(m => m.Value is not null)
                .ToDictionary(m => m.Key, m => m.Value.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return []; // damaged or unreadable: checked again and written anew
        }
    }

    sealed record Entry(double Error, bool Passed);

    sealed record FileContents(int Format, Dictionary<string, Dictionary<string, Entry>> Machines);
}
