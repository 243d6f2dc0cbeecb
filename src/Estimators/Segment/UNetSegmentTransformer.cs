using Microsoft.ML;
using MLNet.UNet.Export;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;

namespace MLNet.UNet.Segment;

/// <summary>
/// A fitted U-Net: scores the foreground probability of every pixel with ONNX Runtime (through ML.NET's
/// OnnxTransformer), on the GPU when the options asked for it. Keeps the ONNX model, the training history and
/// the options it was trained with.
/// </summary>
public sealed class UNetSegmentTransformer : OnnxBackedTransformer
{
    readonly MLContext context;

    internal UNetSegmentTransformer(MLContext context, IDataView input, byte[] onnxModel, UNetSegmentOptions options, UNetOptions network,
        TrainerOptions trainer, TrainingResult result)
        : base(context, input, onnxModel, options.OutputColumnName, options.FeatureColumnName, options.GpuDeviceId, options.FallbackToCpu)
    {
        this.context = context;
        Options = options;
        Network = network;
        Trainer = trainer;
        TrainingHistory = result.History;
        BestEpoch = result.BestEpoch;
        BestValidationDice = result.BestValidationDice;
        StopReason = result.StopReason;
    }

    /// <summary>The options the estimator was given.</summary>
    public UNetSegmentOptions Options { get; }

    /// <summary>The network that was trained (input channels from the data).</summary>
    public UNetOptions Network { get; }

    /// <summary>The training settings used, with the seed that was drawn.</summary>
    public TrainerOptions Trainer { get; }

    /// <summary>Per epoch: training loss, validation loss and Dice, learning rate, time and images per second.</summary>
    public IReadOnlyList<EpochSummary> TrainingHistory { get; }

    /// <summary>
    /// Epoch of the best validation Dice when validation data was used, else 0: the epoch whose weights the model holds
    /// when <see cref="TrainerOptions.KeepBestModel"/> is on; without it, the model holds the last epoch's.
    /// </summary>
    public int BestEpoch { get; }

    /// <summary>Best validation Dice, if there was validation data.</summary>
    public double? BestValidationDice { get; }

    /// <summary>Why training stopped: every epoch ran, early stopping, or the time budget.</summary>
    public StopReason StopReason { get; }

    /// <summary>
    /// The network's class <paramref name="classIndex"/> alone, as a one-class U-Net that writes the same output column
    /// (<see cref="OneClassModel"/>): a network trained on an organ and its neighbours, kept as the organ's model.
    /// </summary>
    /// <param name="classIndex">The class, from 1 (0 is the background).</param>
    /// <param name="input">Data of the schema the transformer will score (its feature column), as for Fit.</param>
    /// <exception cref="ArgumentException">The network has one class, or not that one.</exception>
    public ClassProbabilityTransformer ForClass(int classIndex, IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Network.OutputClasses < 2)
            throw new ArgumentException("ForClass takes a class of a network of several classes; this network has one output.", nameof(classIndex));
        if (classIndex < 1 || classIndex >= Network.OutputClasses)
            throw new ArgumentOutOfRangeException(nameof(classIndex), classIndex, $"The network's classes are 1 to {Network.OutputClasses - 1} (0 is the background).");
        return new ClassProbabilityTransformer(context, input, OneClassModel.Take(GetOnnxModel(), classIndex), Options.OutputColumnName, Options.FeatureColumnName,
            classIndex, Options.GpuDeviceId, Options.FallbackToCpu);
    }
}
