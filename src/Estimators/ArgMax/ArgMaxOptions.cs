namespace MLNet.UNet.ArgMax;

/// <summary>Options of <see cref="ArgMaxEstimator"/>.</summary>
public sealed class ArgMaxOptions
{
    /// <summary>Defaults of the fields below.</summary>
    public static class Defaults
    {
        /// <summary>The segment component's output.</summary>
        public const string InputColumnName = "Probability";

        /// <summary>One class index per pixel.</summary>
        public const string OutputColumnName = "PredictedLabel";
    }

    /// <summary>Column of class probabilities, a known-size vector of Single holding 1 x C x H x W (UNetSegment's output for C classes).</summary>
    public string InputColumnName = Defaults.InputColumnName;

    /// <summary>Column the class index of every pixel is written to: a vector of Byte holding 1 x H x W values 0..C-1.</summary>
    public string OutputColumnName = Defaults.OutputColumnName;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is wrong.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(InputColumnName) || string.IsNullOrWhiteSpace(OutputColumnName))
            throw new ArgumentException("ArgMaxOptions.InputColumnName and OutputColumnName must name columns.");
        if (InputColumnName == OutputColumnName)
            throw new ArgumentException(
                $"ArgMaxOptions.InputColumnName and OutputColumnName are both '{InputColumnName}'; the class map needs its own column.");
    }
}
