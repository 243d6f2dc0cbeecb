namespace MLNet.UNet.Serving.Tests;

/// <summary>The shared data beside the repository (its parent folder holds shared/data); tests skip where it is absent.</summary>
static class SharedData
{
    const string MembraneImage = "shared/data/isbi2012-membrane/train/image/0.png";

    /// <summary>An ISBI 2012 membrane image (512 x 512 gray PNG); skips the test with a message when it is absent.</summary>
    public static string RequireMembraneImage()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, MembraneImage);
            if (File.Exists(candidate))
                return candidate;
        }
        Skip.If(true, $"The ISBI 2012 membrane data ({MembraneImage} beside the repository) is absent on this machine.");
        return "";
    }
}
