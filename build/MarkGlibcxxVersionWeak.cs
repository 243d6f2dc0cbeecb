#nullable disable
using System;
using System.IO;
using System.Text;

// One source for two users: the MSBuild inline task of TorchSharpNativePatch.targets, which patches TorchSharp's
// native library in an application's output folder after each build, and MLNet.UNet.Trainer (compiled with
// MLNET_UNET_LIBRARY), which patches a copy at run time where no build ran (a Polyglot notebook's #r "nuget: ...").

/// <summary>
/// Marks one libstdc++ version requirement of an ELF64 shared library as weak, so that the dynamic loader accepts a
/// system libstdc++ that lacks it.
/// </summary>
internal static class GlibcxxVersionPatch
{
    const uint SectionTypeVersionNeed = 0x6ffffffe;
    const ushort VersionFlagWeak = 0x2;

    static readonly string[] SystemLibstdcxxPaths =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    /// <summary>The system libstdc++ when it lacks <paramref name="versionName"/>; null when it has it or none is found.</summary>
    internal static string SystemLibraryLacking(string versionName)
    {
        foreach (var candidate in SystemLibstdcxxPaths)
            if (File.Exists(candidate))
                return Contains(File.ReadAllBytes(candidate), Encoding.ASCII.GetBytes(versionName + "\0")) ? null : candidate;
        return null;
    }

    internal static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    // Returns how many entries were changed (0 when already weak or absent); error is set when the file is not
    // a little-endian ELF64 with a version-need section.
    internal static int MarkWeak(byte[] elf, string versionName, out string error)
    {
        error = null;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F'
            || elf[4] != 2 || elf[5] != 1)
        {
            error = "not a little-endian ELF64 file";
            return 0;
        }
        long sectionHeaders = BitConverter.ToInt64(elf, 0x28);
        int sectionHeaderSize = BitConverter.ToUInt16(elf, 0x3A);
        int sectionCount = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < sectionCount; s++)
        {
            long header = sectionHeaders + (long)s * sectionHeaderSize;
            if (BitConverter.ToUInt32(elf, (int)header + 4) != SectionTypeVersionNeed)
                continue;
            long offset = BitConverter.ToInt64(elf, (int)header + 0x18);
            int stringSection = (int)BitConverter.ToUInt32(elf, (int)header + 0x28);
            long strings = BitConverter.ToInt64(elf, (int)(sectionHeaders + (long)stringSection * sectionHeaderSize) + 0x18);
            int changed = 0;
            long need = offset;
            while (true)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long name = strings + BitConverter.ToUInt32(elf, (int)aux + 8);
                    int end = (int)name;
                    while (elf[end] != 0) end++;
                    if (Encoding.ASCII.GetString(elf, (int)name, end - (int)name) == versionName)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VersionFlagWeak) == 0)
                        {
                            flags |= VersionFlagWeak;
                            elf[aux + 4] = (byte)(flags & 0xff);
                            elf[aux + 5] = (byte)(flags >> 8);
                            changed++;
                        }
                    }
                    uint nextAux = BitConverter.ToUInt32(elf, (int)aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
            return changed;
        }
        error = "no version-need section";
        return 0;
    }
}

#if !MLNET_UNET_LIBRARY
/// <summary>MSBuild inline task: <see cref="GlibcxxVersionPatch"/> on each library, in place (through a temporary file).</summary>
public class MarkGlibcxxVersionWeak : Microsoft.Build.Utilities.Task
{
    public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; }
    public string VersionName { get; set; }

    public override bool Execute()
    {
        string system = GlibcxxVersionPatch.SystemLibraryLacking(VersionName);
        if (system == null)
            return true;

        foreach (var item in Libraries)
        {
            var path = item.GetMetadata("FullPath");
            var bytes = File.ReadAllBytes(path);
            string error;
            int changed = GlibcxxVersionPatch.MarkWeak(bytes, VersionName, out error);
            if (error != null)
            {
                Log.LogWarning("TorchSharp native patch: {0}: {1}", path, error);
                continue;
            }
            if (changed == 0)
                continue;
            var temporary = path + ".patching";
            File.WriteAllBytes(temporary, bytes);
            File.Replace(temporary, path, null);
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                "TorchSharp native patch: {0} lacks {1}; marked that requirement weak in {2} (see docs/torchsharp.md).",
                system, VersionName, path);
        }
        return !Log.HasLoggedErrors;
    }
}
#endif
