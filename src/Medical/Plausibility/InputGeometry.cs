using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Plausibility;

/// <summary>
/// How the volumes a model was trained on lay: the direction of their stored axes and the width of a slice in mm. The
/// network sees each slice as stored, shrunk to its input size by pixel count. A volume stored another way up is turned
/// to the training's axis codes before it is scored (<see cref="ReorientationFor"/>), and slices much wider than the
/// training's are scored in a window of the training's width (<see cref="Inference.FieldOfViewWindow"/>); one whose slices are
/// stacked along another direction, or span a much narrower field of view, shows the network slices unlike any it has
/// seen, and is flagged (<see cref="Check"/>).
/// Part of the <see cref="PlausibilityRecord"/>.
/// </summary>
/// <param name="AxisCodes">The training volumes' axis codes (<see cref="NiftiOrientation.AxisCodes"/>); null when those
/// that said anything of orientation were not all the same, or none did, and then no volume is turned.</param>
/// <param name="FieldOfViewMinMm">The narrowest slice side seen in training, mm (size times spacing).</param>
/// <param name="FieldOfViewMaxMm">The widest slice side seen in training, mm.</param>
public sealed record InputGeometry(string? AxisCodes, double FieldOfViewMinMm, double FieldOfViewMaxMm)
{
    /// <summary>
    /// A slice side more than this factor narrower than the training's narrowest (a third) is flagged: the anatomy is
    /// drawn larger than the network has learned it. The liver model held slices cropped to 240 mm against its 320
    /// (0.9281 against 0.9292) and lost 0.035 at 200 mm, 0.175 at 160 mm (docs/liver-mri-experiments.md, "Narrow
    /// slices"); a warning that fired on the first would teach users to ignore it. (Much wider slices are scored in a
    /// window of the training's width instead.)
    /// </summary>
    public const double FieldOfViewFactor = 1.5;

    /// <summary>The geometry of one volume.</summary>
    public static InputGeometry Of(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        double x = volume.SizeX * volume.SpacingX, y = volume.SizeY * volume.SpacingY;
        return new InputGeometry(volume.AxisCodes, Math.Min(x, y), Math.Max(x, y));
    }

    /// <summary>The geometry of a set of volumes (the training volumes'), from each one's.</summary>
    /// <exception cref="ArgumentException">There is none.</exception>
    public static InputGeometry Combine(IEnumerable<InputGeometry> geometries)
    {
        ArgumentNullException.ThrowIfNull(geometries);
        var seen = geometries.ToList();
        if (seen.Count == 0)
            throw new ArgumentException("There is no volume to take the geometry of.", nameof(geometries));
        // A volume that says nothing of orientation does not stop the others' from being recorded.
        var codes = seen.Select(g => g.AxisCodes).OfType<string>().Distinct().ToList();
        return new InputGeometry(codes is [{ } single] ? single : null, seen.Min(g => g.FieldOfViewMinMm), seen.Max(g => g.FieldOfViewMaxMm));
    }

    /// <summary>
    /// How to turn <paramref name="image"/> to the training volumes' axis codes (<see cref="AxisReorientation"/>); null
    /// when it is stored as they were, or when either says nothing of orientation. The segmenters score the turned
    /// volume and turn the mask back, so a volume stored another way up is segmented as if stored as in training.
    /// </summary>
    public AxisReorientation? ReorientationFor(Volume image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return AxisCodes is { } trained && image.AxisCodes is { } codes ? AxisReorientation.Between(codes, trained) : null;
    }

    /// <summary>
    /// The warnings for one volume as stored, about the slices the network sees once it is turned by
    /// <see cref="ReorientationFor"/>: slices stacked along another direction than the training's (the network would
    /// see slices cut across the stored ones), or spanning a much narrower field of view. Empty when neither.
    /// </summary>
    public IReadOnlyList<string> Check(Volume image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var warnings = new List<string>();
        var turn = ReorientationFor(image);
        var axes = turn?.TurnedAxes(image) ?? [(image.SizeX, image.SpacingX), (image.SizeY, image.SpacingY), (image.SizeZ, image.SpacingZ)];
        if (turn is { MovesSliceAxis: true })
            warnings.Add(FormattableString.Invariant($"the volume is stored in orientation {turn.From}, its slices stacked along another direction than the training volumes' ({turn.To}): ") +
                         FormattableString.Invariant($"turned, the network sees slices cut across the stored ones, {axes[0].Spacing:0.##} x {axes[1].Spacing:0.##} mm pixels; ") +
                         $"resample it into slices like the training's first");
        double x = axes[0].Size * axes[0].Spacing, y = axes[1].Size * axes[1].Spacing;
        if (Math.Min(x, y) < FieldOfViewMinMm / FieldOfViewFactor)
            warnings.Add($"a slice spans {x:F0} x {y:F0} mm, against {FieldOfViewMinMm:F0}-{FieldOfViewMaxMm:F0} mm in training: the network " +
                         "sees the anatomy larger than it learned it; resample the slices to the training's field of view");
        return warnings;
    }

    /// <summary>The orientation and slice widths, as the training log prints them.</summary>
    public override string ToString() =>
        $"volumes stored {AxisCodes ?? "in no one orientation (no volume is turned)"}, slices {FieldOfViewMinMm:F0}-{FieldOfViewMaxMm:F0} mm wide";


}
