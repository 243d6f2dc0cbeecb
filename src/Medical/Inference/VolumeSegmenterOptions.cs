using MLNet.UNet.Medical.Plausibility;

namespace MLNet.UNet.Medical.Inference;

/// <summary>How <see cref="VolumeSegmenter"/> turns a model's slice probabilities into a volume's mask.</summary>
public sealed class VolumeSegmenterOptions
{
    /// <summary>Defaults of the fields below.</summary>
    public static class Defaults
    {
        /// <summary>Foreground above this probability.</summary>
        public const float Threshold = 0.5f;

        /// <summary>The model's probability column.</summary>
        public const string ProbabilityColumnName = "Probability";
    }

    /// <summary>
    /// Foreground above this probability. Null, the default, takes the model's own Threshold component's value (the
    /// one that reads <see cref="ProbabilityColumnName"/>), or <see cref="Defaults.Threshold"/> when it has none. A
    /// pipeline loaded from a zip holds its threshold as an ONNX graph: give it here (<see cref="ModelKind.Threshold"/>,
    /// or <c>SavedModelThreshold.Read</c>).
    /// </summary>
    public float? Threshold { get; set; }

    /// <summary>Neighbour slices on each side whose probabilities are averaged with each slice's; 0 for none.</summary>
    public int SmoothingRadius { get; set; }

    /// <summary>
    /// Where the model's outputs sit, which its training learned (<see cref="OutputShift.ReadFromModel"/> for a model loaded
    /// from a zip); <see cref="OutputShift.None"/>, the default, for the pixels' centres.
    /// </summary>
    public OutputShift OutputShift { get; set; } = OutputShift.None;

    /// <summary>
    /// Average over test-time shifts (<see cref="Inference.TestTimeShifts"/>): the volume is also scored moved by whole voxels
    /// within one network pixel, so a model that shrinks 256 x 256 slices to 128 x 128 runs four times. False, the default,
    /// for one pass.
    /// </summary>
    public bool TestTimeShifts { get; set; }

    /// <summary>Keep the largest 3D component and fill holes.</summary>
    public bool PostProcess { get; set; }

    /// <summary>The model's probability column.</summary>
    public string ProbabilityColumnName { get; set; } = Defaults.ProbabilityColumnName;

    /// <summary>What the model saw in training; each result is checked against it when given.</summary>
    public PlausibilityRecord? Plausibility { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (Threshold is { } threshold && !(threshold > 0 && threshold < 1))
            throw new ArgumentException($"VolumeSegmenterOptions.Threshold must be in (0, 1), got {Threshold}.");
        if (SmoothingRadius < 0)
            throw new ArgumentException($"VolumeSegmenterOptions.SmoothingRadius must be 0 or more, got {SmoothingRadius}.");
        if (OutputShift is null)
            throw new ArgumentException("VolumeSegmenterOptions.OutputShift must be set; OutputShift.None for outputs at the pixels' centres.");
        if (string.IsNullOrWhiteSpace(ProbabilityColumnName))
            throw new ArgumentException("VolumeSegmenterOptions.ProbabilityColumnName must name a column.");
    }
}
