using static TorchSharp.torch;

namespace MLNet.UNet.Data;

/// <summary>
/// Images and masks held in memory as two native tensors: images N x C x H x W (float32), masks N x H x W
/// (float32 holding 0/1 for binary work, or a class index for several classes). Everything is checked on entry
/// so that training never meets a bad value. Dispose it to release the native memory.
/// </summary>
public sealed class SegmentationDataset : IDisposable
{
    SegmentationDataset(Tensor images, Tensor masks, int classes)
    {
        Images = images;
        Masks = masks;
        Classes = classes;
    }

    /// <summary>Largest region index accepted in <see cref="Regions"/>.</summary>
    public const int MaxRegion = 15;

    /// <summary>All images, N x C x H x W.</summary>
    public Tensor Images { get; }

    /// <summary>All masks, N x H x W.</summary>
    public Tensor Masks { get; }

    /// <summary>
    /// Optional region indices per pixel (N x H x W, 0..<see cref="MaxRegion"/>) used by augmentation only: every
    /// organ of a label map, when the masks hold just one of them (see <see cref="Transforms.AugmentationOptions.RegionIntensityProbability"/>).
    /// </summary>
    public Tensor? Regions { get; private set; }

    /// <summary>
    /// Optional label fractions (N x K x H x W; K = 1 for binary work, else <see cref="Classes"/>): the share of each pixel's
    /// footprint in the full-resolution label map that each class covers. When present they are the training target
    /// in place of the masks (see <see cref="Losses.LossFunction.ComputeOnFractions"/>); the masks still validate.
    /// </summary>
    public Tensor? Fractions { get; private set; }

    /// <summary>
    /// The samples drawn anew each epoch, if any (see <see cref="DrawEachEpoch"/>): the pool's sample indices, and how
    /// many of them an epoch trains on.
    /// </summary>
    public (int[] Pool, int PerEpoch)? EpochDraw { get; private set; }

    /// <summary>Samples one epoch trains on: every sample, or those outside the pool and <see cref="EpochDraw"/>'s share of it.</summary>
    public int SamplesPerEpoch => EpochDraw is { } draw ? Count - draw.Pool.Length + draw.PerEpoch : Count;

    /// <summary>
    /// Makes the samples marked in <paramref name="pooled"/> a pool of which each epoch trains on
    /// round(<paramref name="fraction"/> x pool) samples, drawn anew each epoch with the epoch's seed; the other samples
    /// are trained on every epoch. So a rare kind of sample (slices without any organ) keeps its share of each epoch,
    /// yet over the epochs the network sees all of them, not one subset drawn once.
    /// </summary>
    /// <param name="pooled">One flag per sample, true for the pool's.</param>
    /// <param name="fraction">The pool's share trained on each epoch, in [0, 1].</param>
    public void DrawEachEpoch(IReadOnlyList<bool> pooled, double fraction)
    {
        ArgumentNullException.ThrowIfNull(pooled);
        if (pooled.Count != Count)
            throw new ArgumentException($"There are {Count} samples but {pooled.Count} pool flags; each sample needs one.", nameof(pooled));
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), $"The share of the pool drawn each epoch must be in [0, 1], got {fraction}.");
        var pool = Enumerable.Range(0, Count).Where(i => pooled[i]).ToArray();
        int perEpoch = (int)Math.Round(pool.Length * fraction, MidpointRounding.AwayFromZero);
        if (Count - pool.Length + perEpoch == 0)
            throw new ArgumentException($"Every sample is in the pool and a share of {fraction} of its {pool.Length} is none: an epoch would train on nothing.", nameof(fraction));
        EpochDraw = (pool, perEpoch);
        var inPool = new HashSet<int>(pool);
        outsidePool = Enumerable.Range(0, Count).Where(i => !inPool.Contains(i)).ToArray();
    }

    // The samples trained on every epoch when a pool is drawn from: fixed once the pool is.
    int[] outsidePool = [];

    /// <summary>The samples of one epoch, in the order drawn from <paramref name="random"/>.</summary>
    internal int[] EpochOrder(Random random)
    {
        int[] order;
        if (EpochDraw is { } draw)
        {
            var pool = (int[])draw.Pool.Clone();
            random.Shuffle(pool);
            order = [.. outsidePool, .. pool.AsSpan(0, draw.PerEpoch)];
        }
        else
            order = Enumerable.Range(0, Count).ToArray();
        random.Shuffle(order);
        return order;
    }

    /// <summary>Channels of <see cref="Fractions"/> per sample: 1 for binary work, else <see cref="Classes"/>.</summary>
    public int FractionChannels => Classes == 1 ? 1 : Classes;

    /// <summary>Output classes the masks are labelled for (1 = binary).</summary>
    public int Classes { get; }

    /// <summary>Number of samples.</summary>
    public int Count => (int)Images.shape[0];

    /// <summary>Channels per image.</summary>
    public int Channels => (int)Images.shape[1];

    /// <summary>Image height.</summary>
    public int Height => (int)Images.shape[2];

    /// <summary>Image width.</summary>
    public int Width => (int)Images.shape[3];

    /// <summary>
    /// Builds a dataset from flat arrays: each image C*H*W values in channel-planar order (as ML.NET's
    /// ExtractPixels gives), each mask H*W values.
    /// </summary>
    /// <param name="images">One array per image.</param>
    /// <param name="masks">One array per mask, in the same order.</param>
    /// <param name="channels">Channels per image.</param>
    /// <param name="height">Image and mask height.</param>
    /// <param name="width">Image and mask width.</param>
    /// <param name="classes">1 for binary masks (values 0 or 1), otherwise class indices 0..classes-1.</param>
    /// <param name="regions">Optional region indices per pixel for augmentation, H*W values per image (see <see cref="Regions"/>).</param>
    /// <param name="fractions">Optional label fractions, K*H*W values per image in class-planar order (see <see cref="Fractions"/>).</param>
    public static SegmentationDataset FromArrays(IReadOnlyList<float[]> images, IReadOnlyList<float[]> masks,
        int channels, int height, int width, int classes = 1, IReadOnlyList<float[]>? regions = null,
        IReadOnlyList<float[]>? fractions = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(masks);
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentException($"Channels, height and width must be positive, got {channels} x {height} x {width}.");
        if (images.Count == 0)
            throw new ArgumentException("The dataset is empty: no images were given.", nameof(images));
        if (images.Count != masks.Count)
            throw new ArgumentException($"There are {images.Count} images but {masks.Count} masks; each image needs one mask.");
        int imageLength = channels * height * width, maskLength = height * width;
        var imageData = new float[(long)images.Count * imageLength];
        var maskData = new float[(long)masks.Count * maskLength];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i] is null || images[i].Length != imageLength)
                throw new ArgumentException(
                    $"Image {i} has {images[i]?.Length ?? 0} values; expected C x H x W = {channels} x {height} x {width} = {imageLength}.");
            if (masks[i] is null || masks[i].Length != maskLength)
                throw new ArgumentException(
                    $"Mask {i} has {masks[i]?.Length ?? 0} values; expected H x W = {height} x {width} = {maskLength} (the image size).");
            Array.Copy(images[i], 0, imageData, (long)i * imageLength, imageLength);
            Array.Copy(masks[i], 0, maskData, (long)i * maskLength, maskLength);
        }
        Runtime.TorchRuntime.EnsureInitialized();
        var imageTensor = tensor(imageData, [images.Count, channels, height, width]);
        var maskTensor = tensor(maskData, [masks.Count, height, width]);
        var dataset = Create(imageTensor, maskTensor, classes);
        if (regions is not null)
            dataset.SetRegions(regions, height, width);
        if (fractions is not null)
            dataset.SetFractions(fractions, height, width);
        return dataset;
    }

    // Fractions are shares of a pixel: within [0, 1] and, over several classes, summing to 1 (to rounding).
    const float FractionTolerance = 1e-3f;

    void SetFractions(IReadOnlyList<float[]> fractions, int height, int width)
    {
        try
        {
            if (fractions.Count != Count)
                throw new ArgumentException($"There are {Count} images but {fractions.Count} label fraction maps; each image needs one or none is given.");
            int plane = height * width, length = FractionChannels * plane;
            var data = new float[(long)Count * length];
            for (int i = 0; i < fractions.Count; i++)
            {
                var map = fractions[i];
                if (map is null || map.Length != length)
                    throw new ArgumentException(
                        $"Label fraction map {i} has {map?.Length ?? 0} values; expected K x H x W = {FractionChannels} x {height} x {width} = {length}.");
                int bad = Array.FindIndex(map, v => !(v >= -FractionTolerance && v <= 1 + FractionTolerance));
                if (bad >= 0)
                    throw new ArgumentException($"Label fraction map {i} holds {map[bad]} at value {bad}; expected fractions within 0..1.");
                if (FractionChannels > 1)
                    for (int p = 0; p < plane; p++)
                    {
                        float sum = 0;
                        for (int c = 0; c < FractionChannels; c++)
                            sum += map[c * plane + p];
                        if (Math.Abs(sum - 1) > FractionTolerance)
                            throw new ArgumentException(
                                $"Label fraction map {i} sums to {sum} over its {FractionChannels} classes at pixel {p}; the classes' shares of a pixel must sum to 1.");
                    }
                for (int k = 0; k < length; k++)
                    data[(long)i * length + k] = Math.Clamp(map[k], 0, 1);
            }
            Fractions = tensor(data, [Count, FractionChannels, height, width]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    void SetRegions(IReadOnlyList<float[]> regions, int height, int width)
    {
        try
        {
            if (regions.Count != Count)
                throw new ArgumentException($"There are {Count} images but {regions.Count} region maps; each image needs one or none is given.");
            var data = new float[(long)Count * height * width];
            for (int i = 0; i < regions.Count; i++)
            {
                if (regions[i] is null || regions[i].Length != height * width)
                    throw new ArgumentException($"Region map {i} has {regions[i]?.Length ?? 0} values; expected H x W = {height} x {width} = {height * width}.");
                int bad = Array.FindIndex(regions[i], v => !(v >= 0 && v <= MaxRegion && v == MathF.Round(v)));
                if (bad >= 0)
                    throw new ArgumentException($"Region map {i} holds {regions[i][bad]} at pixel {bad}; expected whole region indices 0..{MaxRegion}.");
                Array.Copy(regions[i], 0, data, (long)i * height * width, height * width);
            }
            Regions = tensor(data, [Count, height, width]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds a dataset from tensors: images N x C x H x W and masks N x H x W or N x 1 x H x W. The tensors are
    /// copied; the caller keeps ownership of its own.
    /// </summary>
    public static SegmentationDataset FromTensors(Tensor images, Tensor masks, int classes = 1)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(masks);
        if (images.dim() != 4)
            throw new ArgumentException($"Images must be N x C x H x W, got shape [{string.Join(", ", images.shape)}].");
        using var scope = NewDisposeScope();
        var maskView = masks.dim() == 4 && masks.shape[1] == 1 ? masks.squeeze(1) : masks;
        if (maskView.dim() != 3)
            throw new ArgumentException($"Masks must be N x H x W or N x 1 x H x W, got shape [{string.Join(", ", masks.shape)}].");
        if (images.shape[0] == 0)
            throw new ArgumentException("The dataset is empty: the image tensor has N = 0.");
        if (maskView.shape[0] != images.shape[0])
            throw new ArgumentException($"There are {images.shape[0]} images but {maskView.shape[0]} masks; each image needs one mask.");
        if (maskView.shape[1] != images.shape[2] || maskView.shape[2] != images.shape[3])
            throw new ArgumentException(
                $"Masks are {maskView.shape[1]} x {maskView.shape[2]} but images are {images.shape[2]} x {images.shape[3]} (H x W); they must match.");
        var imageCopy = images.detach().to(ScalarType.Float32).cpu().contiguous().clone().MoveToOuterDisposeScope();
        var maskCopy = maskView.detach().to(ScalarType.Float32).cpu().contiguous().clone().MoveToOuterDisposeScope();
        return Create(imageCopy, maskCopy, classes);
    }

    static SegmentationDataset Create(Tensor images, Tensor masks, int classes)
    {
        try
        {
            Check(images, masks, classes);
            return new SegmentationDataset(images, masks, classes);
        }
        catch
        {
            images.Dispose();
            masks.Dispose();
            throw;
        }
    }

    static void Check(Tensor images, Tensor masks, int classes)
    {
        if (classes < 1)
            throw new ArgumentException($"Classes must be at least 1, got {classes}.");
        using var scope = NewDisposeScope();
        var finite = isfinite(images).all(1).all(1).all(1);
        if (!finite.all().item<bool>())
        {
            long first = nonzero(finite.logical_not())[0, 0].item<long>();
            throw new ArgumentException($"Image {first} contains NaN or infinite values; inputs must be finite.");
        }
        var valid = classes == 1
            ? masks.eq(0).logical_or(masks.eq(1))
            : masks.ge(0).logical_and(masks.lt(classes)).logical_and(masks.eq(masks.round()));
        var validPerMask = valid.all(1).all(1);
        if (!validPerMask.all().item<bool>())
        {
            long first = nonzero(validPerMask.logical_not())[0, 0].item<long>();
            var bad = masks[first].masked_select(valid[first].logical_not())[0].item<float>();
            var expected = classes == 1
                ? "0 or 1 for binary training (binarize masks first, e.g. at 0.5)"
                : $"class indices 0..{classes - 1}";
            throw new ArgumentException($"Mask {first} contains the value {bad}; expected {expected}.");
        }
    }

    /// <summary>Samples the given indices as a batch on <paramref name="device"/>: images B x C x H x W and masks B x H x W.</summary>
    internal (Tensor Images, Tensor Masks) Batch(Tensor indices, Device device) =>
        (Images.index_select(0, indices).to(device), Masks.index_select(0, indices).to(device));

    /// <summary>The region maps of the given indices (B x H x W) on <paramref name="device"/>, or null when the dataset has none.</summary>
    internal Tensor? RegionBatch(Tensor indices, Device device) => Regions?.index_select(0, indices).to(device);

    /// <summary>The label fractions of the given indices (B x K x H x W) on <paramref name="device"/>, or null when the dataset has none.</summary>
    internal Tensor? FractionBatch(Tensor indices, Device device) => Fractions?.index_select(0, indices).to(device);

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Masks.Dispose();
        Regions?.Dispose();
        Fractions?.Dispose();
    }
}
