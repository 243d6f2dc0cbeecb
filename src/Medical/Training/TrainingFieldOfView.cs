using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;

namespace MLNet.UNet.Medical.Training;

/// <summary>
/// Brings the patients of a fold to one scale before they are sliced: the network sees each slice shrunk to its input
/// size by pixel count, so a patient whose slices span a much wider field of view than the others' would teach it the
/// anatomy smaller, and stretch the recorded width that new volumes are windowed to. A training patient with a side
/// more than <see cref="FieldOfViewWindow.Tolerance"/> wider than the training patients' median is cut, image and label
/// map alike, to a window of the median width around the body, moved to hold every labelled voxel (a patient whose
/// organs span more than the window stays whole). The validation patients' 2D slices, which choose the epoch, are cut as
/// the model will window them when it scores them in 3D: to the widest training slice, around the body.
/// </summary>
internal static class TrainingFieldOfView
{
    /// <summary>The training patients and the validation patients to slice, cut where they are much wider than the others; what is cut is logged.</summary>
    public static (List<PatientVolume> Training, List<PatientVolume> ValidationSlices) Common(List<PatientVolume> training, List<PatientVolume> validation,
        TextWriter log)
    {
        if (training.Count == 0)
            return (training, validation);
        var widths = training.Select(p => InputGeometry.Of(p.Image).FieldOfViewMaxMm).Order().ToList();
        double median = widths.Count % 2 == 1 ? widths[widths.Count / 2] : (widths[widths.Count / 2 - 1] + widths[widths.Count / 2]) / 2;
        var reference = new InputGeometry(null, median, median);
        var cut = new List<string>();
        var whole = new List<string>();
        var cutTraining = training.Select(patient =>
        {
            if (FieldOfViewWindow.For(patient.Image, reference) is not { } window)
                return patient;
            if (window.Holding(patient.Label) is not { } holding)
            {
                whole.Add(patient.PatientId);
                return patient;
            }
            cut.Add(Described(patient, holding));
            return Cut(patient, holding);
        }).ToList();
        // The width the model will record, and window new volumes to.
        var recorded = InputGeometry.Combine(cutTraining.Select(p => InputGeometry.Of(p.Image)));
        var cutValidation = new List<string>();
        var validationSlices = validation.Select(patient =>
        {
            if (FieldOfViewWindow.For(patient.Image, recorded) is not { } window)
                return patient;
            cutValidation.Add(Described(patient, window));
            return Cut(patient, window);
        }).ToList();
        if (cut.Count > 0)
            log.WriteLine(FormattableString.Invariant($"Training patients with slices much wider than the training patients' median ({median:F0} mm), cut to that width ") +
                          $"around the body, every labelled voxel kept: {string.Join("; ", cut)}.");
        if (whole.Count > 0)
            log.WriteLine(FormattableString.Invariant($"warning: training patients {string.Join(", ", whole)} have slices much wider than the training patients' median ({median:F0} mm), ") +
                          "but their labelled organs span more than that: learned whole, smaller than the others.");
        if (cutValidation.Count > 0)
            log.WriteLine(FormattableString.Invariant($"Validation patients with slices much wider than the widest training slice ({recorded.FieldOfViewMaxMm:F0} mm), cut to it ") +
                          $"around the body for the 2D validation, as the model windows them in 3D: {string.Join("; ", cutValidation)}.");
        return (cutTraining, validationSlices);
    }

    static PatientVolume Cut(PatientVolume patient, FieldOfViewWindow window) =>
        patient with { Image = window.Cut(patient.Image), Label = window.Cut(patient.Label) };

    static string Described(PatientVolume patient, FieldOfViewWindow window)
    {
        var image = patient.Image;
        return FormattableString.Invariant(
            $"{patient.PatientId} ({image.SizeX * image.SpacingX:F0} x {image.SizeY * image.SpacingY:F0} mm to {window.AlongX.Length * image.SpacingX:F0} x {window.AlongY.Length * image.SpacingY:F0} mm)");
    }
}
