using MLNet.UNet.Networks;
using MLNet.UNet.Recipes;
using MLNet.UNet.Training;
using Microsoft.ML;

namespace MLNet.UNet.Segment;

/// <summary>
/// Options of <see cref="UNetSegmentEstimator"/>. The network, trainer and validation split start from the
/// <see cref="TrainingRecipes.Quick"/> recipe; <see cref="FromRecipe"/> starts from another.
/// </summary>
public sealed class UNetSegmentOptions
{
    /// <summary>Column of images as ExtractPixels gives them: a vector of Single, channel-planar C x H x W.</summary>
    public string FeatureColumnName = "Features";

    /// <summary>
    /// Column of masks: a vector of Single or Byte with H x W values (for example ExtractPixels of the mask image
    /// with one colour channel). For one class (the default) values are binarized at <see cref="LabelBinarizationThreshold"/>
    /// of their range; for several (<see cref="UNetOptions.OutputClasses"/> above 1) they are class indices 0 to C-1, or the
    /// values of <see cref="LabelValues"/>.
    /// </summary>
    public string LabelColumnName = "Label";

    /// <summary>
    /// Optional column of region indices per pixel (a vector of Single with H x W whole values 0..15) used by
    /// augmentation only, at training: for example every organ of a label map when the label column holds one
    /// (see <see cref="Transforms.AugmentationOptions.RegionIntensityProbability"/>). Null: the label's mask
    /// stands for the regions. Scoring never reads it.
    /// </summary>
    public string? AugmentationRegionColumnName;

    /// <summary>
    /// Optional column of label fractions (a vector of Single with K x H x W values in 0..1; K = 1 for one class,
    /// the foreground's share, else one plane per class in class-index order summing to 1, or for two classes the
    /// second's plane alone): the share of each pixel that each class covers
    /// in a label map of finer resolution than the images, such as the area average of a volume's labels where its
    /// slices are shrunk to the network's size. At training they are the target in place of the label column's
    /// masks, so that the network learns where an edge lies inside a pixel and its probabilities, upsampled, put the
    /// edge back at the finer resolution. The cross-entropy learns the shares; a soft Dice term pulls probabilities
    /// towards 0 or 1. The label column still validates. Scoring never reads it.
    /// </summary>
    public string? LabelFractionColumnName;

    /// <summary>
    /// Optional Boolean column marking a pool of training rows of which each epoch trains on
    /// <see cref="EpochDrawFraction"/>, drawn anew each epoch with the epoch's seed; the other rows are trained on every
    /// epoch. For a kind of row that would swamp the rest if all were trained on each epoch, such as slices without any
    /// organ: the epochs keep their balance, and over them the network still sees every such row. Null: every row, every epoch.
    /// </summary>
    public string? EpochDrawColumnName;

    /// <summary>The share, in [0, 1], of the rows of <see cref="EpochDrawColumnName"/>'s pool that each epoch trains on.</summary>
    public double EpochDrawFraction = 1;

    /// <summary>
    /// Column the transformer writes: the foreground probability per pixel, shape 1 x 1 x H x W; with C classes the
    /// softmax probability of each class, 1 x C x H x W (ArgMax turns it into a class map).
    /// </summary>
    public string OutputColumnName = "Probability";

    /// <summary>Channels of the images; needed only when the features column does not declare C x H x W.</summary>
    public int? ImageChannels;

    /// <summary>Height of the images; needed only when the features column does not declare C x H x W.</summary>
    public int? ImageHeight;

    /// <summary>Width of the images; needed only when the features column does not declare C x H x W.</summary>
    public int? ImageWidth;

    /// <summary>
    /// Shape of the U-Net, the <see cref="TrainingRecipes.Quick"/> recipe's by default (depth 4, base 16, batch
    /// norm); its input channel count is always taken from the images.
    /// </summary>
    public UNetOptions Network = TrainingRecipes.Quick().Network;

    /// <summary>Training settings: epochs, batch size, learning rate and schedule, loss, augmentation, early stopping;
    /// the <see cref="TrainingRecipes.Quick"/> recipe's by default. When <see cref="TrainerOptions.Seed"/> is null,
    /// the seed comes from the MLContext.</summary>
    public TrainerOptions Trainer = TrainingRecipes.Quick().Trainer;

    /// <summary>Validation rows (same columns as the training data); when null, <see cref="ValidationFraction"/> is used.</summary>
    public IDataView? ValidationSet;

    /// <summary>
    /// Fraction of the training rows held out for validation when no <see cref="ValidationSet"/> is given; 0 for
    /// none. The <see cref="TrainingRecipes.Quick"/> recipe's (0.2) by default.
    /// </summary>
    public double ValidationFraction = TrainingRecipes.Quick().ValidationFraction;

    /// <summary>
    /// With several classes: the label column's value of each class, index = class, the background first (for example
    /// 0, 63, 126, 189, 252 for the CHAOS MR organ PNGs). Each mask value goes to the class whose value is nearest, since
    /// ResizeImages blends the edges. Null: the values are the class indices. Ignored for one class.
    /// </summary>
    public float[]? LabelValues;

    /// <summary>Range of the mask values in the label column (one class only).</summary>
    public LabelRange LabelRange = LabelRange.Auto;

    /// <summary>
    /// Fraction of the label range at or above which a mask pixel is foreground (0.5: 128 of 255). ResizeImages
    /// interpolates, so mask edges come out grey; this turns them back into a binary mask.
    /// </summary>
    public float LabelBinarizationThreshold = 0.5f;

    /// <summary>
    /// Test-time mirroring: the fitted model averages its probabilities over the image as given and flipped along the
    /// axes the trainer flips along (<see cref="Transforms.AugmentationOptions.HorizontalFlipProbability"/>,
    /// <see cref="Transforms.AugmentationOptions.VerticalFlipProbability"/>), each flip undone: two network passes per
    /// image for one axis, four for both. It is part of the saved ONNX graph (<see cref="Export.TestTimeFlips"/>), so a
    /// saved pipeline keeps it and still scores with ML.NET and ONNX Runtime alone. Off by default; <see cref="Validate"/>
    /// refuses it for a trainer that does not flip.
    /// </summary>
    public bool TestTimeFlips;

    /// <summary>
    /// Sliding-window inference (<see cref="Inference.SlidingWindowOptions"/>): the network is trained on random crops of
    /// <see cref="Inference.SlidingWindowOptions.TileSize"/> from the images (<see cref="TrainerOptions.PatchSize"/>) and scores
    /// them in overlapping tiles blended back onto their own grid, with no resize, so the images need not be a multiple of
    /// 2^depth. It is part of the saved ONNX graph (<see cref="Inference.SlidingWindow"/>). Null, the default: the network
    /// takes the whole image.
    /// </summary>
    public Inference.SlidingWindowOptions? SlidingWindow;

    /// <summary>GPU to score on with ONNX Runtime's CUDA provider; null scores on the CPU.</summary>
    public int? GpuDeviceId;

    /// <summary>When the GPU cannot be used, score on the CPU instead of failing.</summary>
    public bool FallbackToCpu = true;

    /// <summary>Called after every training step and at the end of every epoch.</summary>
    public Action<TrainingProgress>? Progress;

    /// <summary>
    /// If set, a training checkpoint (network, optimizer, history) is written there atomically after every epoch.
    /// </summary>
    public string? CheckpointPath;

    /// <summary>
    /// Continue from <see cref="CheckpointPath"/> when that file exists (after an interruption); its seed and
    /// history are kept, and training goes on to <see cref="TrainerOptions.Epochs"/> within
    /// <see cref="TrainerOptions.TimeBudget"/> (the time spent before counts), on <see cref="TrainerOptions.Device"/>.
    /// Every other setting of <see cref="Network"/> and <see cref="Trainer"/> must be the checkpoint's, else
    /// <see cref="UNetSegmentEstimator.Fit"/> throws naming each that differs.
    /// </summary>
    public bool Resume;

    /// <summary>Stops training between steps; <c>MLContext.CancelExecution()</c> does too.</summary>
    public CancellationToken CancellationToken;

    /// <summary>Options that train with <paramref name="recipe"/>'s network, trainer and validation fraction (copies of them).</summary>
    public static UNetSegmentOptions FromRecipe(TrainingRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return new UNetSegmentOptions
        {
            Network = recipe.Network.Clone(), Trainer = recipe.Trainer.Clone(), ValidationFraction = recipe.ValidationFraction,
            SlidingWindow = recipe.SlidingWindow?.Clone(),
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is missing or out of range.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[]
        {
            (nameof(FeatureColumnName), FeatureColumnName), (nameof(LabelColumnName), LabelColumnName), (nameof(OutputColumnName), OutputColumnName),
        })
            if (string.IsNullOrWhiteSpace(value))
                throw new ArgumentException($"UNetSegmentOptions.{name} must name a column.");
        if (OutputColumnName == FeatureColumnName)
            throw new ArgumentException(
                $"UNetSegmentOptions.OutputColumnName and FeatureColumnName are both '{FeatureColumnName}'; the output needs its own column.");
        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), $"UNetSegmentOptions.ValidationFraction must be in [0, 1), got {ValidationFraction}.");
        if (!(EpochDrawFraction >= 0 && EpochDrawFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(EpochDrawFraction), $"UNetSegmentOptions.EpochDrawFraction must be in [0, 1], got {EpochDrawFraction}.");
        if (!(LabelBinarizationThreshold > 0 && LabelBinarizationThreshold < 1))
            throw new ArgumentOutOfRangeException(nameof(LabelBinarizationThreshold),
                $"UNetSegmentOptions.LabelBinarizationThreshold must be in (0, 1), got {LabelBinarizationThreshold}.");
        ArgumentNullException.ThrowIfNull(Network, "UNetSegmentOptions.Network");
        ArgumentNullException.ThrowIfNull(Trainer, "UNetSegmentOptions.Trainer");
        Trainer.Validate();
        if (SlidingWindow is not null)
        {
            SlidingWindow.Validate(Network.SizeMultiple);
            if (Trainer.PatchSize is { } patch && patch != SlidingWindow.TileSize)
                throw new ArgumentException(
                    $"UNetSegmentOptions.Trainer.PatchSize is {patch} but SlidingWindow.TileSize is {SlidingWindow.TileSize}: the network trains on crops of the tile size; leave PatchSize unset.");
        }
        if (LabelValues is not null && Network.OutputClasses > 1)
        {
            if (LabelValues.Length != Network.OutputClasses)
                throw new ArgumentException(
                    $"UNetSegmentOptions.LabelValues holds {LabelValues.Length} values but the network has {Network.OutputClasses} classes (Network.OutputClasses); give one value per class, the background first.");
            if (LabelValues.Any(v => !float.IsFinite(v)) || LabelValues.Distinct().Count() != LabelValues.Length)
                throw new ArgumentException($"UNetSegmentOptions.LabelValues must be distinct finite numbers, got {string.Join(", ", LabelValues)}.");
        }
        if (TestTimeFlips && Export.TestTimeFlips.TrainedAxes(Trainer.Augmentation) == Export.FlipAxes.None)
            throw new ArgumentException($"UNetSegmentOptions.TestTimeFlips is set, but the trainer does not flip images: {Export.TestTimeFlips.WhyTrainingFlips}.");
    }
}
