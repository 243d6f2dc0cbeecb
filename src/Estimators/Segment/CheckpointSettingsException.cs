namespace MLNet.UNet.Segment;

/// <summary>
/// A resume refused because the options ask for other network or training settings than the checkpoint was trained
/// with (<see cref="UNetSegmentOptions.Resume"/>): the checkpoint's would otherwise rule unseen.
/// </summary>
public sealed class CheckpointSettingsException : ArgumentException
{
    internal CheckpointSettingsException(string checkpointPath, IReadOnlyList<string> differences)
        : base($"Checkpoint '{checkpointPath}' was trained with other settings than the options ask for: {string.Join("; ", differences)}. " +
               "Resume with the settings it was trained with, or train without Resume.")
    {
        CheckpointPath = checkpointPath;
        Differences = differences;
    }

    /// <summary>The checkpoint that was not resumed.</summary>
    public string CheckpointPath { get; }

    /// <summary>Each setting that differs, as "TrainerOptions.LearningRate: checkpoint 0.002, asked 0.005".</summary>
    public IReadOnlyList<string> Differences { get; }
}
