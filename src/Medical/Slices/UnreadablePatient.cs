namespace MLNet.UNet.Medical.Slices;

/// <summary>A patient of a folder whose volumes could not be read (see <see cref="PatientVolume.EnumerateFolder"/>).</summary>
/// <param name="PatientId">The patient's id.</param>
/// <param name="ImagePath">The patient's image volume.</param>
/// <param name="Error">Why the image or its label could not be read.</param>
public sealed record UnreadablePatient(string PatientId, string ImagePath, string Error);
