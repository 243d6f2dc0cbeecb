using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Training;

/// <summary>
/// Brings the patients of a fold to one orientation before they are sliced: a 2D network learns slices as stored, so
/// volumes stored different ways would teach it the same anatomy turned, and leave the model without one orientation to
/// turn new volumes to. Each patient stored otherwise than most training patients is turned to their axis codes
/// (<see cref="AxisReorientation"/>); patients whose headers say nothing of orientation stay as stored.
/// </summary>
internal static class TrainingOrientation
{
    /// <summary>The fold's patients, those stored otherwise than most training patients turned to their axis codes; the turn is logged.</summary>
    public static (List<PatientVolume> Training, List<PatientVolume> Validation) Common(List<PatientVolume> training, List<PatientVolume> validation,
        TextWriter log)
    {
        var common = training.Select(CodesOf).OfType<string>().GroupBy(c => c)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault();
        if (common is null)
            return (training, validation);
        AxisReorientation? TurnOf(PatientVolume p) => CodesOf(p) is { } stored ? AxisReorientation.Between(stored, common) : null;
        var turned = training.Concat(validation).Select(p => (p.PatientId, Turn: TurnOf(p))).Where(t => t.Turn is not null).DistinctBy(t => t.PatientId).ToList();
        if (turned.Count == 0)
            return (training, validation);
        log.WriteLine($"Patients {string.Join(", ", turned.Select(t => $"{t.PatientId} ({t.Turn!.From})"))} are stored otherwise than most training patients; " +
                      $"turned to {common} to be learned and scored as one.");
        var across = turned.Where(t => t.Turn!.MovesSliceAxis).Select(t => t.PatientId).ToList();
        if (across.Count > 0)
            log.WriteLine($"warning: patients {string.Join(", ", across)} have their slices stacked along another direction than {common}: turned, their slices " +
                          "are cut across the stored ones, unlike the others'; resample them into slices like the others' first.");
        PatientVolume Turn(PatientVolume p) => p.Turned(TurnOf(p));
        return ([.. training.Select(Turn)], [.. validation.Select(Turn)]);
    }

    static string? CodesOf(PatientVolume patient) => patient.Image.AxisCodes;
}
