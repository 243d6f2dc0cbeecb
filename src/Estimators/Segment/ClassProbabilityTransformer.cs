using Microsoft.ML;
using MLNet.UNet.Export;

namespace MLNet.UNet.Segment;

/// <summary>
/// One class of a fitted U-Net of several classes, as a one-class U-Net: its output column holds that class's
/// probability alone (1 x 1 x H x W), which Threshold turns into the class's mask. Made by
/// <see cref="UNetSegmentTransformer.ForClass"/> from a fitted U-Net, or by <see cref="SavedModelClass.Write"/> from a
/// saved one; saved, it is a standard OnnxTransformer like the U-Net's.
/// </summary>
public sealed class ClassProbabilityTransformer : OnnxBackedTransformer
{
    internal ClassProbabilityTransformer(MLContext context, IDataView input, byte[] onnxModel, string outputColumnName, string inputColumnName, int classIndex,
        int? gpuDeviceId = null, bool fallbackToCpu = false)
        : base(context, input, onnxModel, outputColumnName, inputColumnName, gpuDeviceId, fallbackToCpu)
    {
        ClassIndex = classIndex;
    }

    /// <summary>The class of the network whose probability this transformer gives.</summary>
    public int ClassIndex { get; }
}
