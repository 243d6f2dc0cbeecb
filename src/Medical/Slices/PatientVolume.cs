using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Slices;

/// <summary>One patient's image volume and its label volume, in the same voxel grid.</summary>
public sealed record PatientVolume(string PatientId, Volume Image, Volume Label)
{
    /// <summary>
    /// Reads the pairs <c>image_&lt;id&gt;.nii(.gz)</c> / <c>label_&lt;id&gt;.nii(.gz)</c> of a folder (the layout of the
    /// shared CHAOS data), all into memory, ordered by numeric id (ids that are not numbers after them, in ordinal
    /// order). An image without its label is an error.
    /// </summary>
    /// <param name="folder">The folder of image/label pairs.</param>
    /// <param name="patientIds">The patients to read; every patient of the folder when null.</param>
    public static IReadOnlyList<PatientVolume> ReadFolder(string folder, IEnumerable<string>? patientIds = null) =>
        EnumerateFolder(folder, patientIds).ToList();

    /// <summary>
    /// The pairs of a folder as <see cref="ReadFolder"/> finds them, read one at a time as they are enumerated, so that
    /// scoring a folder holds one patient in memory rather than all; each enumeration reads the files again. The folder,
    /// the pairs and the requested ids are checked here, before anything is read.
    /// </summary>
    /// <param name="folder">The folder of image/label pairs.</param>
    /// <param name="patientIds">The patients to read; every patient of the folder when null.</param>
    /// <param name="onUnreadable">
    /// When given, a pair whose content cannot be read (a damaged or truncated file, not NIfTI, image and label on
    /// different grids) is skipped and reported to it, on each enumeration, and the next pair is read: one bad file then
    /// does not stop the scoring of a set, and the caller says which patients are missing. When null, it is thrown.
    /// </param>
    public static IEnumerable<PatientVolume> EnumerateFolder(string folder, IEnumerable<string>? patientIds = null,
        Action<UnreadablePatient>? onUnreadable = null)
    {
        var pairs = FindPairs(folder, patientIds);
        return onUnreadable is null ? pairs.Select(pair => Read(pair.Id, pair.ImagePath, pair.LabelPath)) : Readable(pairs, onUnreadable);
    }

    static IEnumerable<PatientVolume> Readable(IReadOnlyList<(string Id, string ImagePath, string LabelPath)> pairs, Action<UnreadablePatient> onUnreadable)
    {
        foreach (var (id, imagePath, labelPath) in pairs)
        {
            PatientVolume? patient = null;
            try
            {
                patient = Read(id, imagePath, labelPath);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
            {
                // The files' content only: a folder that cannot be listed or a disk error still stops the enumeration.
                onUnreadable(new UnreadablePatient(id, imagePath, e.Message));
            }
            if (patient is not null)
                yield return patient;
        }
    }

    static IReadOnlyList<(string Id, string ImagePath, string LabelPath)> FindPairs(string folder, IEnumerable<string>? patientIds)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Volume folder '{folder}' does not exist.");
        var wanted = patientIds?.ToHashSet();
        var pairs = new List<(string Id, string ImagePath, string LabelPath)>();
        foreach (var imagePath in Directory.EnumerateFiles(folder, "image_*.nii*"))
        {
            var name = Path.GetFileName(imagePath);
            var id = name["image_".Length..name.IndexOf(".nii", StringComparison.Ordinal)];
            if (wanted is not null && !wanted.Contains(id))
                continue;
            var labelPath = Path.Combine(folder, "label_" + name["image_".Length..]);
            if (!File.Exists(labelPath))
                throw new FileNotFoundException($"Image '{imagePath}' has no label volume '{labelPath}'.", labelPath);
            pairs.Add((id, imagePath, labelPath));
        }
        if (pairs.Count == 0)
            throw new InvalidDataException($"No image_<id>.nii(.gz) volumes were found in '{folder}'" +
                                           (wanted is null ? "." : $" for patients {string.Join(", ", wanted)}."));
        if (wanted is not null && wanted.Except(pairs.Select(p => p.Id)).ToList() is { Count: > 0 } missing)
            throw new FileNotFoundException($"No volumes for patients {string.Join(", ", missing)} in '{folder}'.");
        return pairs.OrderBy(p => int.TryParse(p.Id, out var n) ? n : int.MaxValue).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Reads one image/label pair and checks that they share a grid.</summary>
    public static PatientVolume Read(string patientId, string imagePath, string labelPath)
    {
        var image = NiftiReader.Read(imagePath);
        var label = NiftiReader.Read(labelPath);
        if (image.SizeX != label.SizeX || image.SizeY != label.SizeY || image.SizeZ != label.SizeZ)
            throw new InvalidDataException(
                $"Patient {patientId}: image is {image.SizeX} x {image.SizeY} x {image.SizeZ} but label is {label.SizeX} x {label.SizeY} x {label.SizeZ}.");
        return new PatientVolume(patientId, image, label);
    }

    /// <summary>The patient turned by whole axes (<see cref="AxisReorientation.Apply"/>), image and label alike; itself when <paramref name="turn"/> is null.</summary>
    public PatientVolume Turned(AxisReorientation? turn) => turn is null ? this : this with { Image = turn.Apply(Image), Label = turn.Apply(Label) };
}
