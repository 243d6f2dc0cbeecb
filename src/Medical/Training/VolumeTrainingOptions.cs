using MLNet.UNet.Training;

namespace MLNet.UNet.Medical.Training;

/// <summary>The settings of a <see cref="VolumeTraining"/> run that are not the recipe's: where it writes, and how it reports.</summary>
public sealed class VolumeTrainingOptions
{
    /// <summary>The folder the run writes its files to (see <see cref="VolumeTraining"/>); created when absent.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>
    /// Continue from the checkpoint in <see cref="OutputFolder"/> when there is one. A resume on other data (the recipe's
    /// slice settings, the patients and their voxels, the labels) or with other network or training settings than the checkpoint's run is
    /// refused, each difference named; the epochs, the time budget and the device may change. Without a resume, a run
    /// removes the folder's checkpoint and evaluation when it starts.
    /// </summary>
    public bool Resume { get; set; }

    /// <summary>Also score the validation patients under the standard intensity shifts, into <see cref="VolumeTraining.StressFile"/>.</summary>
    public bool Stress { get; set; }

    /// <summary>Label values to the organ trained on.</summary>
    public Slices.LabelMapping Labels { get; set; } = Slices.LabelMapping.Liver;

    /// <summary>Progress after each step and epoch.</summary>
    public Action<TrainingProgress>? Progress { get; set; }

    /// <summary>Lines that say what the run does and what it wrote.</summary>
    public TextWriter Log { get; set; } = TextWriter.Null;

    /// <summary>Stops training between steps; the checkpoint of the last completed epoch stays.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is missing or out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputFolder))
            throw new ArgumentException("VolumeTrainingOptions.OutputFolder must name a folder.");
        ArgumentNullException.ThrowIfNull(Labels, "VolumeTrainingOptions.Labels");
        ArgumentNullException.ThrowIfNull(Log, "VolumeTrainingOptions.Log");
    }
}
