using MLNet.UNet.Medical.Training;

namespace MLNet.UNet.Cli.Commands;

/// <summary>The output folder of a training run: the trained run a new one would replace, and what a run that stops early leaves.</summary>
internal static class RunFolder
{
    // What a finished run writes (recipe.json, run-data.json and training-data.json are rewritten by every run that trains).
    static readonly string[] TrainedFiles =
    [
        VolumeTraining.ModelFile, VolumeTraining.CheckpointFile, VolumeTraining.OnnxFile, VolumeTraining.MetricsFile,
        VolumeTraining.EvaluationFile, VolumeTraining.StressFile, VolumeTraining.OverlayFile, VolumeTraining.CurveFile,
    ];

    /// <summary>The folders a run trains into: the output folder, or with <paramref name="folds"/> the folders of the folds it runs.</summary>
    public static IReadOnlyList<string> Places(DirectoryInfo folder, int? folds, int? fold) =>
        folds is not { } count ? [folder.FullName]
        : fold is { } one ? [VolumeCrossValidation.FoldFolder(folder.FullName, one - 1)]
        : [.. Enumerable.Range(0, Math.Max(count, 0)).Select(f => VolumeCrossValidation.FoldFolder(folder.FullName, f))];

    /// <summary>The first model or checkpoint in <paramref name="places"/>, relative to <paramref name="folder"/>; null when there is none.</summary>
    public static string? TrainedRun(DirectoryInfo folder, IReadOnlyList<string> places) =>
        places.SelectMany(place => new[] { VolumeTraining.ModelFile, VolumeTraining.CheckpointFile }.Select(name => Path.Combine(place, name)))
            .FirstOrDefault(File.Exists) is { } found ? Path.GetRelativePath(folder.FullName, found) : null;

    /// <summary>
    /// Deletes what an earlier run wrote in <paramref name="places"/> (--overwrite), so that a new run stopped before
    /// its first checkpoint leaves no old checkpoint that --resume would take for its own.
    /// </summary>
    public static void Clear(IReadOnlyList<string> places)
    {
        foreach (var place in places.Where(Directory.Exists))
            foreach (var name in TrainedFiles)
                File.Delete(Path.Combine(place, name));
    }

    /// <summary>True when a checkpoint in <paramref name="folder"/> or any fold's folder below it can be resumed.</summary>
    public static bool HoldsCheckpoint(DirectoryInfo folder) =>
        Directory.EnumerateFiles(folder.FullName, VolumeTraining.CheckpointFile, SearchOption.AllDirectories).Any();

    /// <summary>The outermost of <paramref name="folder"/> and its parents that does not exist yet (what making it would create); null when it exists.</summary>
    public static DirectoryInfo? OutermostMissing(DirectoryInfo folder)
    {
        if (folder.Exists)
            return null;
        var outermost = folder;
        while (outermost.Parent is { Exists: false } parent)
            outermost = parent;
        return outermost;
    }

    /// <summary>
    /// Those of <paramref name="places"/> that do not exist yet: the folders a run about to start makes, and only they
    /// may go again if it fails (a fold folder that was there before is another run's work).
    /// </summary>
    public static IReadOnlyList<string> Missing(IReadOnlyList<string> places) => [.. places.Where(place => !Directory.Exists(place))];

    /// <summary>The newest checkpoint in <paramref name="places"/> (those of a stopped run), or null: where --resume takes it up.</summary>
    public static string? NewestCheckpoint(IReadOnlyList<string> places) =>
        places.Select(place => new FileInfo(Path.Combine(place, VolumeTraining.CheckpointFile))).Where(file => file.Exists)
            .OrderByDescending(file => file.LastWriteTimeUtc).FirstOrDefault()?.FullName;

    /// <summary>
    /// Removes what a run that refused, failed or stopped before its first checkpoint made: the folders among
    /// <paramref name="madePlaces"/> (those that did not exist before it) that hold no checkpoint; then, when it made
    /// <paramref name="folder"/> itself (<paramref name="outermostMade"/> not null), that folder unless a checkpoint or
    /// another fold's folder is in it (another run may train another fold of the same new folder at the same time).
    /// The parents made for it, up to <paramref name="outermostMade"/>, go too while they are empty: something another
    /// run or the user put there since is kept. Failing to remove a folder is not reported over the run's own error.
    /// </summary>
    public static void RemoveUnlessResumable(DirectoryInfo folder, IReadOnlyList<string> madePlaces, DirectoryInfo? outermostMade)
    {
        try
        {
            string root = Path.TrimEndingDirectorySeparator(folder.FullName);
            foreach (var place in madePlaces.Where(p => Path.TrimEndingDirectorySeparator(p) != root && Directory.Exists(p)))
                if (!HoldsCheckpoint(new DirectoryInfo(place)))
                    Directory.Delete(place, recursive: true);
            if (outermostMade is null || HoldsCheckpoint(folder) || Directory.EnumerateDirectories(folder.FullName).Any())
                return;
            folder.Delete(recursive: true);
            string outermost = Path.TrimEndingDirectorySeparator(outermostMade.FullName);
            for (var parent = folder.Parent; parent is not null && parent.FullName.Length >= outermost.Length; parent = parent.Parent)
            {
                if (Directory.EnumerateFileSystemEntries(parent.FullName).Any())
                    return;
                parent.Delete();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The error that stopped the run is what the user needs to see.
        }
    }
}
