using Microsoft.ML;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Slices;

namespace MLNet.UNet.Medical.Metrics;

/// <summary>The 3D evaluation as a call on the segmentation catalog: <c>context.Segmentation().EvaluateVolumes(...)</c>.</summary>
public static class VolumeEvaluationCatalog
{
    /// <summary>
    /// Per-patient 3D metrics (Dice, IoU, RAVD, ASSD, MSSD, HD95, per-slice Dice), with and without post-processing,
    /// of an IDataView scored over <see cref="SliceLoader"/> slices; see <see cref="VolumeEvaluator"/>.
    /// <paramref name="smoothingRadius"/> averages each slice's probabilities with that many neighbour slices on each
    /// side before thresholding (0, the default, for none). Surface distances follow <paramref name="surfaceRule"/>,
    /// CHAOS's own definition by default. Probabilities are thresholded at <paramref name="threshold"/>; for a model
    /// loaded from a zip, its own is <c>SavedModelThreshold.Read</c>. They are put back on each volume's grid from where the
    /// model's outputs sit, <paramref name="shift"/> (for a model loaded from a zip, <c>OutputShift.ReadFromModel</c>).
    /// </summary>
    public static VolumeEvaluationReport EvaluateVolumes(this SegmentationCatalog catalog, IDataView scored,
        IEnumerable<PatientVolume> patients, LabelMapping? labels = null, string probabilityColumnName = "Probability", float threshold = 0.5f,
        int smoothingRadius = 0, SurfaceRule surfaceRule = SurfaceRule.Chaos, OutputShift? shift = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return VolumeEvaluator.Evaluate(scored, patients, labels ?? LabelMapping.Liver, probabilityColumnName, threshold, smoothingRadius, surfaceRule, shift);
    }

    /// <summary>
    /// The 3D evaluation of a pipeline of several classes, organ by organ (Dice, IoU, RAVD, ASSD, MSSD, HD95 per
    /// patient, raw and with each organ's largest component, holes filled), of an IDataView scored over <see cref="SliceLoader"/>
    /// slices loaded with <paramref name="organs"/>' label mapping, put back on each volume's grid from where the model's
    /// outputs sit (<paramref name="shift"/>); see <see cref="VolumeEvaluator.EvaluateOrgans"/>.
    /// </summary>
    public static OrganEvaluationReport EvaluateVolumes(this SegmentationCatalog catalog, IDataView scored,
        IEnumerable<PatientVolume> patients, OrganLabels organs, string probabilityColumnName = "Probability", int smoothingRadius = 0,
        SurfaceRule surfaceRule = SurfaceRule.Chaos, OutputShift? shift = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(organs);
        return VolumeEvaluator.EvaluateOrgans(scored, patients, organs.ToMapping(), organs.Names, probabilityColumnName, smoothingRadius, surfaceRule, shift);
    }
}
