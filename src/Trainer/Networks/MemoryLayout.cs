using static TorchSharp.torch;

namespace MLNet.UNet.Networks;

/// <summary>The activations' memory layout: NCHW (libtorch's default) or channels-last NHWC.</summary>
internal static class MemoryLayout
{
    /// <summary>The same N x C x H x W tensor with NHWC strides; libtorch and oneDNN keep that layout through a network.</summary>
    public static Tensor ToChannelsLast(Tensor input)
    {
        using var nhwc = input.permute(0, 2, 3, 1);
        using var packed = nhwc.contiguous();
        return packed.permute(0, 3, 1, 2);
    }

    /// <summary>True when the channels of a pixel are adjacent in memory (NHWC).</summary>
    public static bool IsChannelsLast(Tensor input) => input.dim() == 4 && input.stride(1) == 1 && input.shape[1] * input.shape[2] * input.shape[3] > 1;
}
