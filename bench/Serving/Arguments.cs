namespace MLNet.UNet.Bench.Serving;

/// <summary>The benchmark's <c>--name value</c> arguments, and the repository it runs in.</summary>
static class Arguments
{
    static readonly string[] Names = ["seconds", "concurrency", "engines", "model", "image"];

    public static Dictionary<string, string> Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i += 2)
        {
            var name = args[i].TrimStart('-');
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || !Names.Contains(name) || i + 1 >= args.Length)
                throw new ArgumentException($"Unexpected argument '{args[i]}'; expected --{string.Join(" VALUE, --", Names)} VALUE.");
            values[name] = args[i + 1];
        }
        return values;
    }

    /// <summary>The folder of MLNet.UNet.sln above this program.</summary>
    public static string Repository()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "MLNet.UNet.sln")))
                return folder.FullName;
        throw new DirectoryNotFoundException("This benchmark runs from the repository's bench/Serving build folder; MLNet.UNet.sln was not found above it.");
    }
}
