using MLNet.UNet.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.UNet.Networks;

/// <summary>
/// A 2D U-Net. <see cref="Module{T,TResult}.forward"/> returns logits (N x classes x H x W), which the losses take;
/// <see cref="Predict"/> adds the sigmoid (one class) or softmax over classes (more than one). With
/// <see cref="UNetOptions.DeepSupervisionOutputs"/>, <see cref="ForwardDeeplySupervised"/> also returns the logits of
/// the lower decoder levels, for training; forward, prediction and export use the full-resolution head alone.
/// </summary>
public sealed class UNetNetwork : Module<Tensor, Tensor>
{
    readonly ModuleList<ConvBlock> encoder = new();
    readonly ConvBlock bottom;
    readonly ModuleList<Module<Tensor, Tensor>> upsamplers = new();
    readonly ModuleList<ConvBlock> decoder = new();
    readonly Conv2d head;
    readonly ModuleList<Conv2d> auxiliaryHeads = new();
    readonly List<ConvolutionShape> auxiliaryShapes = [];
    readonly ConvolutionRouter router;
    readonly List<ConvolutionShape?> upsamplerShapes = [];
    readonly ConvolutionShape headShape;

    /// <summary>Creates the network; the weights are initialized from libtorch's generator (see torch.manual_seed).</summary>
    public UNetNetwork(UNetOptions options) : this(options, ConvolutionRouter.Shared)
    {
    }

    /// <summary>A network whose convolutions take the routes <paramref name="router"/> checks for them.</summary>
    internal UNetNetwork(UNetOptions options, ConvolutionRouter router) : base("UNet")
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options.Clone();
        this.router = router;
        Runtime.TorchRuntime.EnsureInitialized();

        long channels = options.InputChannels;
        for (int level = 0; level < options.Depth; level++)
        {
            long filters = options.FiltersAt(level);
            double dropout = level == options.Depth - 1 ? options.Dropout : 0;
            encoder.Add(new ConvBlock($"encoder{level}", channels, filters, options.BatchNorm, dropout, router));
            channels = filters;
        }
        bottom = new ConvBlock("bottom", channels, options.FiltersAt(options.Depth), options.BatchNorm, options.Dropout, router);
        channels = options.FiltersAt(options.Depth);
        for (int level = options.Depth - 1; level >= 0; level--)
        {
            long skip = options.FiltersAt(level);
            long upsampled = channels;
            if (options.Upsampling == UpsamplingMode.Nearest)
            {
                upsamplers.Add(Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Nearest));
                upsamplerShapes.Add(null);
            }
            else
            {
                upsampled = channels / 2;
                upsamplers.Add(ConvTranspose2d(channels, upsampled, 2, stride: 2));
                upsamplerShapes.Add(ConvolutionShape.Upsampling((int)channels, (int)upsampled, 2));
            }
            decoder.Add(new ConvBlock($"decoder{level}", upsampled + skip, skip, options.BatchNorm, 0, router));
            channels = skip;
        }
        head = Conv2d(channels, options.OutputClasses, 1);
        headShape = ConvolutionShape.Same((int)channels, options.OutputClasses, 1, bias: true);
        // Made after the head, so that a network without them draws the same initial weights as before they existed.
        for (int k = 1; k <= options.DeepSupervisionOutputs; k++)
        {
            int decoderFilters = options.FiltersAt(k);
            auxiliaryHeads.Add(Conv2d(decoderFilters, options.OutputClasses, 1));
            auxiliaryShapes.Add(ConvolutionShape.Same(decoderFilters, options.OutputClasses, 1, bias: true));
        }
        RegisterComponents();
    }

    /// <summary>The distinct convolution shapes this network runs, in the layout of <see cref="ChannelsLast"/>.</summary>
    public IReadOnlyList<ConvolutionShape> ConvolutionShapes =>
        encoder.Concat([bottom]).Concat(decoder).SelectMany(b => b.Shapes)
            .Concat(upsamplerShapes.OfType<ConvolutionShape>()).Append(headShape).Concat(auxiliaryShapes)
            .Select(s => s.WithLayout(ChannelsLast)).Distinct().ToList();

    /// <summary>
    /// Chooses a checked route for each of <see cref="ConvolutionShapes"/> now (see <see cref="ConvolutionRouter"/>),
    /// rather than at each shape's first use; the first run on a machine checks each new shape once.
    /// </summary>
    /// <exception cref="ConvolutionKernelException">No route computes one of the shapes right on this machine.</exception>
    public IReadOnlyList<RouteDecision> PrepareConvolutionRoutes() => ConvolutionShapes.Select(router.Decide).ToList();

    /// <summary>The options the network was built with (a copy).</summary>
    public UNetOptions Options { get; }

    internal IList<ConvBlock> EncoderBlocks => encoder;
    internal ConvBlock BottomBlock => bottom;
    internal IList<Module<Tensor, Tensor>> Upsamplers => upsamplers;
    internal IList<ConvBlock> DecoderBlocks => decoder;
    internal Conv2d Head => head;

    /// <summary>
    /// Runs the convolutions on channels-last (NHWC) activations, the layout oneDNN computes in natively; with the
    /// default NCHW layout libtorch reorders every activation before and after each convolution. Measured on CPU:
    /// 1.1-1.6x faster per convolution (forward + backward), about 1.1x per training step of the seed preset, no
    /// measurable change for 16 or 24 base filters. Results equal NCHW up to float rounding; the returned tensor
    /// has the usual N x C x H x W shape either way. On by default. With one input channel it has no effect: one
    /// channel is the same memory in both layouts, libtorch keeps the NCHW strides, and the network runs NCHW
    /// throughout (the convolution checks follow the layout that runs). Restriding it to run channels-last was
    /// measured and gave the medium preset no speed (docs/torchsharp.md), so grayscale models keep their numbers.
    /// </summary>
    public bool ChannelsLast { get; set; } = true;

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Run(input, null);

    /// <summary>
    /// The logits of <see cref="Module{T,TResult}.forward"/>, and those of the <see cref="UNetOptions.DeepSupervisionOutputs"/>
    /// lower decoder levels, from half the input's size down: N x classes x H/2^k x W/2^k for k = 1, 2, ...
    /// </summary>
    public (Tensor Logits, IReadOnlyList<Tensor> LowerLevels) ForwardDeeplySupervised(Tensor input)
    {
        var lowerLevels = new Tensor[Options.DeepSupervisionOutputs];
        var logits = Run(input, lowerLevels);
        return (logits, lowerLevels);
    }

    // The full-resolution logits; lowerLevels, when given, receives the auxiliary heads' logits (index k - 1 at scale 1/2^k).
    Tensor Run(Tensor input, Tensor[]? lowerLevels)
    {
        CheckInput(input);
        // Each intermediate is disposed once used (see ConvBlock.forward): the memory of a training step and of
        // inference then follows what autograd keeps, as in PyTorch, not everything the pass ever made.
        var skips = new List<Tensor>(Options.Depth);
        var x = ChannelsLast ? MemoryLayout.ToChannelsLast(input) : input;
        foreach (var block in encoder)
        {
            var features = block.forward(x);
            ConvBlock.Release(x, input);
            skips.Add(features);
            x = functional.max_pool2d(features, 2);
        }
        var bottomOutput = bottom.forward(x);
        x.Dispose();
        x = bottomOutput;
        for (int i = 0; i < decoder.Count; i++)
        {
            var up = upsamplerShapes[i] is { } shape && upsamplers[i] is ConvTranspose2d transposed
                ? router.Run(shape, x, transposed.weight!, transposed.bias)
                : upsamplers[i].forward(x);
            x.Dispose();
            var skip = skips[skips.Count - 1 - i];
            var merged = cat([up, skip], 1);
            up.Dispose();
            skip.Dispose();
            x = decoder[i].forward(merged);
            merged.Dispose();
            int scale = decoder.Count - 1 - i; // this level's output is 1/2^scale of the input
            if (lowerLevels is not null && scale >= 1 && scale <= lowerLevels.Length)
                lowerLevels[scale - 1] = router.Run(auxiliaryShapes[scale - 1], x, auxiliaryHeads[scale - 1].weight!, auxiliaryHeads[scale - 1].bias);
        }
        var logits = router.Run(headShape, x, head.weight!, head.bias);
        x.Dispose();
        return logits;
    }

    /// <summary>Probabilities: sigmoid of the logits for one class, softmax over the class axis otherwise.</summary>
    public Tensor Predict(Tensor input)
    {
        using var logits = forward(input);
        return Options.OutputClasses == 1 ? functional.sigmoid(logits) : functional.softmax(logits, 1);
    }

    void CheckInput(Tensor input)
    {
        if (input.dim() != 4)
            throw new ArgumentException(
                $"U-Net input must have 4 dimensions (N x C x H x W), got shape [{string.Join(", ", input.shape)}].");
        if (input.shape[0] == 0)
            throw new ArgumentException("U-Net input is an empty batch (N = 0).");
        if (input.shape[1] != Options.InputChannels)
            throw new ArgumentException(
                $"U-Net input has {input.shape[1]} channels; the network was built for {Options.InputChannels}.");
        long multiple = Options.SizeMultiple;
        if (input.shape[2] % multiple != 0 || input.shape[3] % multiple != 0 || input.shape[2] == 0 || input.shape[3] == 0)
            throw new ArgumentException(
                $"U-Net input is {input.shape[2]} x {input.shape[3]} (H x W); both must be positive multiples of 2^Depth = {multiple}.");
        if (input.dtype != ScalarType.Float32 && input.dtype != ScalarType.Float64)
            throw new ArgumentException($"U-Net input must be float32, got {input.dtype}.");
    }
}
