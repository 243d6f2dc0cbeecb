namespace MLNet.UNet;

/// <summary>Writes files so that a crash or kill never leaves a half-written one under the final name.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes to a temporary file in the same folder, flushes it to disk, then renames it over
    /// <paramref name="path"/>. On failure the temporary file is removed and the previous file is untouched.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        WriteVia(path, temporary =>
        {
            using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            write(stream);
            stream.Flush(flushToDisk: true);
        });
    }

    /// <summary>
    /// Lets <paramref name="writeFile"/> write a temporary path in the same folder (with the same extension, for
    /// writers that choose the format by it), then renames it over <paramref name="path"/>.
    /// </summary>
    public static void WriteVia(string path, Action<string> writeFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(writeFile);
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
            throw new IOException($"Cannot write '{fullPath}': it is a directory.");
        var folder = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder,
            $".{Path.GetFileNameWithoutExtension(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp{Path.GetExtension(fullPath)}");
        try
        {
            writeFile(temporary);
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Deletes temporary files that <see cref="Write"/> left in <paramref name="folder"/> when its process was killed
    /// (their process id no longer runs). Returns how many were deleted.
    /// </summary>
    public static int RemoveStaleTemporaries(string folder)
    {
        if (!Directory.Exists(folder))
            return 0;
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp*"))
        {
            var parts = Path.GetFileName(file).Split('.');
            int tmp = Array.LastIndexOf(parts, "tmp");
            if (tmp < 3 || !int.TryParse(parts[tmp - 2], out int processId) || IsRunning(processId))
                continue;
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    static bool IsRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
