namespace MLNet.UNet.Training;

/// <summary>
/// Training met a loss or gradient that is NaN or infinite. The network keeps the weights it had before that
/// step (the last good ones); nothing was applied from the bad step.
/// </summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception for the given epoch and step.</summary>
    public NonFiniteLossException(int epoch, int step, double loss, double gradientNorm, IReadOnlyList<EpochSummary> history)
        : base($"Training stopped at epoch {epoch}, step {step}: the loss is {loss} and the gradient norm {gradientNorm}; " +
               "the network keeps the weights from before this step. Lower the learning rate, set MaxGradientNorm, or check the data.")
    {
        Epoch = epoch;
        Step = step;
        Loss = loss;
        History = history;
    }

    /// <summary>Epoch of the bad step, from 1.</summary>
    public int Epoch { get; }

    /// <summary>Step within the epoch, from 1.</summary>
    public int Step { get; }

    /// <summary>The loss value of the bad step.</summary>
    public double Loss { get; }

    /// <summary>Epochs completed before the bad step.</summary>
    public IReadOnlyList<EpochSummary> History { get; }
}
