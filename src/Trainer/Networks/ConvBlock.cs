using MLNet.UNet.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.UNet.Networks;

/// <summary>Two 3x3 'same' convolutions, each followed by optional batch norm and a ReLU; optional dropout.</summary>
public sealed class ConvBlock : Module<Tensor, Tensor>
{
    readonly Conv2d conv1;
    readonly BatchNorm2d? norm1;
    readonly Conv2d conv2;
    readonly BatchNorm2d? norm2;
    readonly Dropout? dropout;
    readonly ConvolutionRouter router;
    readonly ConvolutionShape shape1;
    readonly ConvolutionShape shape2;

    /// <summary>Creates a block from <paramref name="inputChannels"/> to <paramref name="outputChannels"/>.</summary>
    public ConvBlock(string name, long inputChannels, long outputChannels, bool batchNorm, double dropoutProbability)
        : this(name, inputChannels, outputChannels, batchNorm, dropoutProbability, ConvolutionRouter.Shared)
    {
    }

    /// <summary>A block whose convolutions take the routes <paramref name="router"/> checked for them.</summary>
    internal ConvBlock(string name, long inputChannels, long outputChannels, bool batchNorm, double dropoutProbability, ConvolutionRouter router)
        : base(name)
    {
        this.router = router;
        shape1 = ConvolutionShape.Same((int)inputChannels, (int)outputChannels, 3, bias: !batchNorm);
        shape2 = ConvolutionShape.Same((int)outputChannels, (int)outputChannels, 3, bias: !batchNorm);
        conv1 = Conv2d(inputChannels, outputChannels, 3, padding: 1, bias: !batchNorm);
        conv2 = Conv2d(outputChannels, outputChannels, 3, padding: 1, bias: !batchNorm);
        if (batchNorm)
        {
            norm1 = BatchNorm2d(outputChannels);
            norm2 = BatchNorm2d(outputChannels);
        }
        if (dropoutProbability > 0)
            dropout = Dropout(dropoutProbability);
        RegisterComponents();
    }

    /// <summary>The layers in order (convolution, optional norm) twice, for export.</summary>
    internal IEnumerable<(Conv2d Conv, BatchNorm2d? Norm)> Layers => [(conv1, norm1), (conv2, norm2)];

    /// <summary>The shapes of the two convolutions (channels-last), as the kernel checks see them.</summary>
    internal IEnumerable<ConvolutionShape> Shapes => [shape1, shape2];

    /// <inheritdoc />
    /// <remarks>
    /// Intermediate tensors are released as soon as they are used (autograd keeps its own references to what the
    /// backward pass needs), and the ReLU works in place: neither convolution nor batch norm needs its own output
    /// to compute gradients. Inside a dispose scope every tensor would otherwise live until the scope ends.
    /// </remarks>
    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var (conv, norm, shape) in new[] { (conv1, norm1, shape1), (conv2, norm2, shape2) })
        {
            var next = router.Run(shape, x, conv.weight!, conv.bias);
            Release(x, input);
            if (norm is not null)
            {
                var normalized = norm.forward(next);
                next.Dispose();
                next = normalized;
            }
            x = functional.relu(next, inplace: true);
            if (!ReferenceEquals(x, next))
                next.Dispose(); // the in-place result is a second handle on the same storage
        }
        if (dropout is null)
            return x;
        var dropped = dropout.forward(x);
        if (!ReferenceEquals(dropped, x))
            x.Dispose();
        return dropped;
    }

    /// <summary>Disposes a tensor this module made, never the caller's input.</summary>
    internal static void Release(Tensor tensor, Tensor input)
    {
        if (!ReferenceEquals(tensor, input))
            tensor.Dispose();
    }
}
