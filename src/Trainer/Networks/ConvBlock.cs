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

    /// <summary>Creates a block from <paramref name="inputChannels"/> to <paramref name="outputChannels"/>.</summary>
    public ConvBlock(string name, long inputChannels, long outputChannels, bool batchNorm, double dropoutProbability)
        : base(name)
    {
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

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var (conv, norm) in Layers)
        {
            x = conv.forward(x);
            if (norm is not null)
                x = norm.forward(x);
            x = functional.relu(x);
        }
        return dropout is null ? x : dropout.forward(x);
    }
}
