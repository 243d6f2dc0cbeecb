using static TorchSharp.torch;

namespace MLNet.UNet.Kernels;

/// <summary>
/// A convolution computed by libtorch's own kernels, forward and backward, with oneDNN switched off only while
/// this convolution runs. The backward pass recomputes the forward with oneDNN off and differentiates it, because
/// libtorch picks the backward kernel when the backward runs, after the forward's switch has been restored.
/// Without gradients, <see cref="Apply"/> calls libtorch's kernels directly, with no autograd function.
/// </summary>
internal sealed class ReferenceConvolution : autograd.SingleTensorFunction<ReferenceConvolution>
{
    /// <inheritdoc />
    public override string Name => nameof(ReferenceConvolution);

    /// <summary>Applies the convolution; <paramref name="bias"/> may be null.</summary>
    public static Tensor Apply(ConvolutionShape shape, Tensor input, Tensor weight, Tensor? bias)
    {
        // Without gradients (inference, validation) there is no backward to prepare: the autograd function would
        // only leave its saved tensors and extra handles in the caller's dispose scope.
        if (!is_grad_enabled() || !(input.requires_grad || weight.requires_grad || bias?.requires_grad == true))
        {
            using var suspension = OneDnnSwitch.Suspend();
            return ConvolutionRoutes.Direct(shape, input, weight, bias);
        }
        return bias is null ? apply(shape, input, weight) : apply(shape, input, weight, bias);
    }

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (shape, input, weight, bias) = Unpack(vars);
        ctx.save_for_backward(bias is null ? [input, weight] : [input, weight, bias]);
        ctx.save_data("shape", shape);
        using var suspension = OneDnnSwitch.Suspend();
        return ConvolutionRoutes.Direct(shape, input, weight, bias);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var shape = (ConvolutionShape)ctx.get_data("shape");
        using var scope = NewDisposeScope();
        var leaves = ctx.get_saved_variables().Select(t => t.detach().requires_grad_(true)).ToList();
        List<Tensor> gradients;
        using (var suspension = OneDnnSwitch.Suspend())
        using (var gradientMode = enable_grad())
        {
            var output = ConvolutionRoutes.Direct(shape, leaves[0], leaves[1], leaves.Count > 2 ? leaves[2] : null);
            gradients = autograd.grad([output], leaves, [grad_output]).ToList();
        }
        foreach (var gradient in gradients)
            gradient.MoveToOuterDisposeScope();
        // One gradient per forward argument: none for the shape, then input, weight and (when given) bias.
        return [null!, .. gradients];
    }

    static (ConvolutionShape Shape, Tensor Input, Tensor Weight, Tensor? Bias) Unpack(object[] vars) =>
        ((ConvolutionShape)vars[0], (Tensor)vars[1], (Tensor)vars[2], vars.Length > 3 ? (Tensor)vars[3] : null);
}
