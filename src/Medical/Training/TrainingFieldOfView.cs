using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;

namespace MLNet.UNet.Medical.Training;

/// <summary>
/// Brings the patients of a fold to one scale before they are sliced: the network sees each slice shrunk to its input
/// size by pixel count, so a patient whose slices span a much wider field of view than the others' would teach it the
/// anatomy smaller, and stretch the recorded width that new volumes are windowed to. A patient with a side more than
/// <see cref="FieldOfViewWindow.Tolerance"/> wider than the training patients' median width is cut, image and label
/// map alike, to a window of that width around the body, as <see cref="FieldOfViewWindow"/> cuts a volume at scoring.
/// Validation patients are cut for the 2D slices that choose the epoch; their 3D evaluation scores them whole, as a
/// user's volume is scored, windowed by the model.
/// </summary>
internal static class TrainingFieldOfView
{
    /// <summary>
    /// The training patients and the validation patients to slice, those with much wider slices than the training
    /// patients' median cut to a window of that width; the cut is logged.
    /// </summary>
    public static (List<PatientVolume> Training, List<PatientVolume> ValidationSlices) Common(List<PatientVolume> training, List<PatientVolume> validation,
        TextWriter log)
    {
        if (training.Count == 0)
            return (training, validation);
        var widths = training.Select(p => InputGeometry.Of(p.Image).FieldOfViewMaxMm).Order().ToList();
        double median = widths.Count % 2 == 1 ? widths[widths.Count / 2] : (widths[widths.Count / 2 - 1] + widths[widths.Count / 2]) / 2;
        var reference = new InputGeometry(null, median, median);
        var cut = new List<string>();
        PatientVolume Matched(PatientVolume patient)
        {
            if (FieldOfViewWindow.For(patient.Image, reference) is not { } window)
                return patient;
            var image = patient.Image;
            cut.Add(FormattableString.Invariant(
                $"{patient.PatientId} ({image.SizeX * image.SpacingX:F0} x {image.SizeY * image.SpacingY:F0} mm to {window.AlongX.Length * image.SpacingX:F0} x {window.AlongY.Length * image.SpacingY:F0} mm)"));
            return patient with { Image = window.Cut(image), Label = window.Cut(patient.Label) };
        }
        var result = (training.Select(Matched).ToList(), validation.Select(Matched).ToList());
        if (cut.Count > 0)
            log.WriteLine(FormattableString.Invariant($"Patients with slices much wider than the training patients' median ({median:F0} mm), cut around the body to be learned ") +
                          $"and validated at its scale (the 3D evaluation scores them whole, windowed as any volume): {string.Join("; ", cut)}.");
        return result;
    }
}
