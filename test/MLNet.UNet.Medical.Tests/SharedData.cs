namespace MLNet.UNet.Medical.Tests;

/// <summary>The shared CHAOS data beside the repository (never copied into it); tests skip where it is absent.</summary>
internal static class SharedData
{
    public static readonly string? ChaosFolder = Find();

    public const string SkipReason =
        "the CHAOS data (shared/data/chaos-mr-t2 beside the repository) is absent on this machine";

    static string? Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "shared", "data", "chaos-mr-t2");
            if (Directory.Exists(candidate))
                return candidate;
        }
        return null;
    }

    public static string Require()
    {
        Skip.If(ChaosFolder is null, SkipReason);
        return ChaosFolder!;
    }
}
