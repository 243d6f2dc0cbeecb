namespace MLNet.UNet.Serving.Models;

/// <summary>Where a configured model path points.</summary>
static class ModelPaths
{
    /// <summary>
    /// A relative path is looked for from the working directory upwards, and the first folder that holds it wins:
    /// <c>dotnet run --project src/Serving</c> starts in src/Serving, while the QuickStart writes
    /// <c>artifacts/quickstart/model.zip</c> under the repository's root. When no folder holds it, the path is taken
    /// from the repository's root (the folder of MLNet.UNet.sln), or else from the working directory.
    /// </summary>
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path))
            return path;
        var start = new DirectoryInfo(Directory.GetCurrentDirectory());
        DirectoryInfo? repository = null;
        for (var folder = start; folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, path);
            if (File.Exists(candidate))
                return candidate;
            if (repository is null && File.Exists(Path.Combine(folder.FullName, "MLNet.UNet.sln")))
                repository = folder;
        }
        return Path.GetFullPath(Path.Combine((repository ?? start).FullName, path));
    }
}
