using MLNet.UNet.Evaluation;
using Microsoft.ML;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.PostProcessing;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Metrics;

/// <summary>
/// Evaluates slice predictions per patient on the whole 3D volume, like the CHAOS challenge: the probability
/// slices of each patient are resized back to the label grid (bilinear), thresholded, stacked, and compared with
/// the mapped label volume using its voxel spacing; then again after post-processing.
/// </summary>
public static class VolumeEvaluator
{
    /// <summary>Evaluates an IDataView scored by a UNetSegment pipeline over <see cref="SliceLoader"/> slices.</summary>
    /// <param name="scored">Rows with PatientId, SliceIndex and the probability column.</param>
    /// <param name="patients">The patients' label volumes (their geometry and spacing are used).</param>
    /// <param name="labels">The label mapping the model was trained with; class 1 is evaluated.</param>
    /// <param name="probabilityColumnName">Column of probabilities (H x W per row, any square size).</param>
    /// <param name="threshold">Foreground above this probability; for a model loaded from a zip, its own is <c>SavedModelThreshold.Read</c>.</param>
    /// <param name="smoothingRadius">
    /// Neighbour slices on each side whose probabilities are averaged with each slice's before thresholding
    /// (<see cref="SliceSmoothing"/>); 0, the default, for none. Both the raw and the post-processed metrics include it.
    /// </param>
    /// <param name="surfaceRule">Which voxels are a mask's surface for the distances; CHAOS's own definition by default.</param>
    /// <param name="shift">Where the model's outputs sit (the <see cref="OutputShift"/> its training learned); null for the pixels' centres.</param>
    public static VolumeEvaluationReport Evaluate(IDataView scored, IEnumerable<PatientVolume> patients, LabelMapping labels,
        string probabilityColumnName = "Probability", float threshold = 0.5f, int smoothingRadius = 0, SurfaceRule surfaceRule = SurfaceRule.Chaos,
        OutputShift? shift = null)
    {
        ArgumentNullException.ThrowIfNull(scored);
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegative(smoothingRadius);
        var slices = ScoredSlices.ByPatient(scored, probabilityColumnName);
        var evaluations = new List<PatientEvaluation>();
        foreach (var patient in patients)
        {
            var label = patient.Label;
            var truth = labels.Foreground(label);
            if (!slices.TryGetValue(patient.PatientId, out var patientSlices))
                throw new ArgumentException(
                    $"Patient {patient.PatientId} has no rows in the scored data (patients there: {string.Join(", ", slices.Keys)}).", nameof(patients));
            bool[] predicted;
            try
            {
                predicted = ProbabilityMask.OnGrid(patientSlices, label, threshold, smoothingRadius, shift);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException and not ArgumentOutOfRangeException)
            {
                throw new InvalidDataException($"Patient {patient.PatientId}: {e.Message}", e);
            }
            evaluations.Add(Evaluate(patient.PatientId, predicted, truth, label, surfaceRule));
        }
        if (evaluations.Count == 0)
            throw new ArgumentException("There are no patients to evaluate.", nameof(patients));
        return new VolumeEvaluationReport(evaluations);
    }

    /// <summary>
    /// Evaluates an IDataView scored by a pipeline of several classes (class probabilities per slice) organ by organ: each
    /// patient's class map on the label grid (<see cref="ProbabilityMask.ClassesOnGrid"/>) is compared, one class at a
    /// time, with the mapped label volume, before and after keeping that organ's largest component and filling its holes.
    /// </summary>
    /// <param name="scored">Rows with PatientId, SliceIndex and the probability column (classes x H x W per row).</param>
    /// <param name="patients">The patients' label volumes.</param>
    /// <param name="labels">The label mapping the model was trained with: its classes are the organs.</param>
    /// <param name="organNames">A name per class 1..C-1, in order; null: "class 1", "class 2", ...</param>
    /// <param name="probabilityColumnName">Column of class probabilities.</param>
    /// <param name="smoothingRadius">Neighbour slices on each side averaged with each slice; 0 for none.</param>
    /// <param name="surfaceRule">Which voxels are a mask's surface for the distances.</param>
    /// <param name="shift">Where the model's outputs sit (the <see cref="OutputShift"/> its training learned); null for the pixels' centres.</param>
    public static OrganEvaluationReport EvaluateOrgans(IDataView scored, IEnumerable<PatientVolume> patients, LabelMapping labels,
        IReadOnlyList<string>? organNames = null, string probabilityColumnName = "Probability", int smoothingRadius = 0, SurfaceRule surfaceRule = SurfaceRule.Chaos,
        OutputShift? shift = null)
    {
        ArgumentNullException.ThrowIfNull(scored);
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(labels);
        int classes = labels.ClassCount;
        if (classes < 2)
            throw new ArgumentException("The label mapping has one class; evaluate a binary model with Evaluate.", nameof(labels));
        if (organNames is not null && organNames.Count != classes - 1)
            throw new ArgumentException($"There are {organNames.Count} organ names for {classes - 1} classes besides the background.", nameof(organNames));
        var slices = ScoredSlices.ByPatient(scored, probabilityColumnName);
        var perOrgan = Enumerable.Range(1, classes - 1).Select(_ => new List<PatientEvaluation>()).ToList();
        foreach (var patient in patients)
        {
            if (!slices.TryGetValue(patient.PatientId, out var patientSlices))
                throw new ArgumentException(
                    $"Patient {patient.PatientId} has no rows in the scored data (patients there: {string.Join(", ", slices.Keys)}).", nameof(patients));
            int[] predicted;
            try
            {
                predicted = ProbabilityMask.ClassesOnGrid(patientSlices, classes, patient.Label, smoothingRadius, shift);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"Patient {patient.PatientId}: {e.Message}", e);
            }
            var evaluations = EvaluateClassMap(patient.PatientId, predicted, patient.Label, labels, surfaceRule);
            for (int organ = 0; organ < evaluations.Count; organ++)
                perOrgan[organ].Add(evaluations[organ]);
        }
        if (perOrgan[0].Count == 0)
            throw new ArgumentException("There are no patients to evaluate.", nameof(patients));
        return new OrganEvaluationReport([.. perOrgan.Select((evaluations, i) => (organNames?[i] ?? $"class {i + 1}", new VolumeEvaluationReport(evaluations)))]);
    }

    /// <summary>
    /// Evaluates one patient's class map (0 background, organ i is i + 1) against its label volume organ by organ: each
    /// organ's predicted voxels against the voxels its label values map to.
    /// </summary>
    /// <returns>One evaluation per organ, class 1 first.</returns>
    public static IReadOnlyList<PatientEvaluation> EvaluateClassMap(string patientId, int[] predicted, Volume label, LabelMapping labels,
        SurfaceRule surfaceRule = SurfaceRule.Chaos)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(labels);
        var truth = Array.ConvertAll(label.Data, v => (int)labels.Map(v));
        return [.. Enumerable.Range(1, labels.ClassCount - 1)
            .Select(c => Evaluate(patientId, Array.ConvertAll(predicted, v => v == c), Array.ConvertAll(truth, v => v == c), label, surfaceRule))];
    }

    /// <summary>Evaluates one patient's predicted mask against the truth on the label volume's grid.</summary>
    /// <param name="patientId">The patient, as reported.</param>
    /// <param name="predicted">The predicted mask on <paramref name="grid"/>, before post-processing.</param>
    /// <param name="truth">The reference mask on <paramref name="grid"/>.</param>
    /// <param name="grid">The volume whose size and spacing the masks have.</param>
    /// <param name="surfaceRule">Which voxels are a mask's surface for the distances; CHAOS's own definition by default.</param>
    public static PatientEvaluation Evaluate(string patientId, bool[] predicted, bool[] truth, Volume grid, SurfaceRule surfaceRule = SurfaceRule.Chaos)
    {
        var prediction = BinaryVolume.On(grid, predicted);
        var reference = prediction.With(truth);
        var cleaned = MaskPostProcessing.Clean(prediction);
        var sliceDice = Enumerable.Range(0, grid.SizeZ)
            .Select(z => Overlap.Of(predicted.AsSpan(z * grid.SliceLength, grid.SliceLength), truth.AsSpan(z * grid.SliceLength, grid.SliceLength)).Dice)
            .ToList();
        return new PatientEvaluation(patientId, VolumeMetrics.Compute(prediction, reference, surfaceRule), VolumeMetrics.Compute(cleaned, reference, surfaceRule), sliceDice);
    }
}
