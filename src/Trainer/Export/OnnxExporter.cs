using Google.Protobuf;
using MLNet.UNet.Networks;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static MLNet.UNet.Export.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace MLNet.UNet.Export;

/// <summary>
/// Writes a <see cref="UNetNetwork"/> as an ONNX model (TorchSharp has no exporter): walks the network's blocks
/// and emits Conv, Relu, MaxPool, Resize or ConvTranspose, Concat, BatchNormalization (or folds it into the
/// convolution) and Sigmoid or Softmax, with the weights as initializers. Dropout is an identity at inference
/// and is left out.
/// </summary>
public static class OnnxExporter
{
    /// <summary>IR version written; ONNX Runtime 1.31 reads up to 13, and 8 is the one that introduced opset 17.</summary>
    public const long IrVersion = 8;

    /// <summary>Metadata key under which the network options are stored as JSON.</summary>
    public const string NetworkOptionsKey = "mlnet.unet.network";

    /// <summary>Returns the ONNX model as bytes.</summary>
    public static byte[] Export(UNetNetwork network, OnnxExportOptions? options = null) =>
        BuildModel(network, options ?? new OnnxExportOptions()).ToByteArray();

    /// <summary>Writes the ONNX model to <paramref name="path"/> atomically (a temporary file, then a rename).</summary>
    public static void Save(UNetNetwork network, string path, OnnxExportOptions? options = null) =>
        AtomicFile.Write(path, stream => BuildModel(network, options ?? new OnnxExportOptions()).WriteTo(stream));

    internal static ModelProto BuildModel(UNetNetwork network, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        var net = network.Options;
        options.Validate(net.SizeMultiple);

        var builder = new OnnxGraphBuilder();
        using (no_grad())
        using (NewDisposeScope())
        {
            var x = options.InputName;
            var skips = new List<string>();
            for (int level = 0; level < network.EncoderBlocks.Count; level++)
            {
                x = EmitBlock(builder, network.EncoderBlocks[level], x, $"encoder{level}", options.FoldBatchNorm);
                skips.Add(x);
                x = builder.AddNode("MaxPool", [x], null, Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
            }
            x = EmitBlock(builder, network.BottomBlock, x, "bottom", options.FoldBatchNorm);
            var scales = builder.AddInitializer("upsample_scales", [1f, 1f, 2f, 2f], 4);
            for (int i = 0; i < network.DecoderBlocks.Count; i++)
            {
                var up = network.Upsamplers[i] switch
                {
                    ConvTranspose2d transposed => EmitConvolution(builder, "ConvTranspose", x, transposed.weight, transposed.bias,
                        null, $"up{i}", stride: 2, padding: 0, foldNorm: false),
                    _ => builder.AddNode("Resize", [x, "", scales], null,
                        String("mode", "nearest"),
                        String("coordinate_transformation_mode", "asymmetric"),
                        String("nearest_mode", "floor")),
                };
                var joined = builder.AddNode("Concat", [up, skips[skips.Count - 1 - i]], null, Int("axis", 1));
                x = EmitBlock(builder, network.DecoderBlocks[i], joined, $"decoder{i}", options.FoldBatchNorm);
            }
            var headOutput = options.IncludeActivation ? null : options.OutputName;
            x = EmitConvolution(builder, "Conv", x, network.Head.weight!, network.Head.bias, null, "head", 1, 0, false, headOutput);
            if (options.IncludeActivation)
            {
                if (net.OutputClasses == 1)
                    builder.AddNode("Sigmoid", [x], options.OutputName);
                else
                    builder.AddNode("Softmax", [x], options.OutputName, Int("axis", 1));
            }
        }

        var graph = builder.Graph;
        graph.Input.Add(FloatTensor(options.InputName,
            (options.BatchSize, "N"), (net.InputChannels, ""), (options.Height, "H"), (options.Width, "W")));
        graph.Output.Add(FloatTensor(options.OutputName,
            (options.BatchSize, "N"), (net.OutputClasses, ""), (options.Height, "H"), (options.Width, "W")));

        var model = builder.ToModel(options.Opset);
        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = NetworkOptionsKey,
            Value = System.Text.Json.JsonSerializer.Serialize(net),
        });
        foreach (var (key, value) in options.Metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    static string EmitBlock(OnnxGraphBuilder builder, ConvBlock block, string input, string name, bool foldNorm)
    {
        var x = input;
        int index = 0;
        foreach (var (conv, norm) in block.Layers)
        {
            var layer = $"{name}_conv{index++}";
            x = EmitConvolution(builder, "Conv", x, conv.weight!, conv.bias, norm, layer, 1, 1, foldNorm);
            if (norm is not null && !foldNorm)
                x = EmitBatchNorm(builder, x, norm, layer + "_bn");
            x = builder.AddNode("Relu", [x]);
        }
        return x;
    }

    static string EmitConvolution(OnnxGraphBuilder builder, string opType, string input, Tensor weight, Tensor? bias,
        BatchNorm2d? norm, string name, long stride, long padding, bool foldNorm, string? output = null)
    {
        var shape = weight.shape;
        long outputChannels = opType == "Conv" ? shape[0] : shape[1];
        var weights = ToArray(weight);
        var biases = bias is null ? new float[outputChannels] : ToArray(bias);
        if (norm is not null && foldNorm)
            FoldBatchNorm(norm, weights, biases);
        var inputs = new List<string> { input, builder.AddInitializer(name + "_weight", weights, shape) };
        if (bias is not null || (norm is not null && foldNorm))
            inputs.Add(builder.AddInitializer(name + "_bias", biases, outputChannels));
        long kernel = shape[2];
        return builder.AddNode(opType, inputs, output,
            Ints("kernel_shape", kernel, shape[3]),
            Ints("strides", stride, stride),
            Ints("pads", padding, padding, padding, padding));
    }

    // w' = w * gamma / sqrt(var + eps) per output channel; b' = (b - mean) * gamma / sqrt(var + eps) + beta.
    static void FoldBatchNorm(BatchNorm2d norm, float[] weights, float[] biases)
    {
        var (gamma, beta, mean, variance, epsilon) = NormParameters(norm);
        int channels = biases.Length;
        int perChannel = weights.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            double factor = gamma[c] / Math.Sqrt(variance[c] + epsilon);
            for (int i = c * perChannel; i < (c + 1) * perChannel; i++)
                weights[i] = (float)(weights[i] * factor);
            biases[c] = (float)((biases[c] - mean[c]) * factor + beta[c]);
        }
    }

    static string EmitBatchNorm(OnnxGraphBuilder builder, string input, BatchNorm2d norm, string name)
    {
        var (gamma, beta, mean, variance, epsilon) = NormParameters(norm);
        long channels = gamma.Length;
        return builder.AddNode("BatchNormalization",
            [
                input,
                builder.AddInitializer(name + "_scale", gamma, channels),
                builder.AddInitializer(name + "_bias", beta, channels),
                builder.AddInitializer(name + "_mean", mean, channels),
                builder.AddInitializer(name + "_var", variance, channels),
            ],
            null, Float("epsilon", (float)epsilon));
    }

    static (float[] Gamma, float[] Beta, float[] Mean, float[] Variance, double Epsilon) NormParameters(BatchNorm2d norm) =>
        (ToArray(norm.weight!), ToArray(norm.bias!), ToArray(norm.running_mean!), ToArray(norm.running_var!), norm.eps);

    static float[] ToArray(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
    }
}
