using Microsoft.ML;
using Microsoft.ML.Transforms.Image;

namespace MLNet.UNet;

/// <summary>The schema shapes that the components' <c>GetOutputSchema</c> return.</summary>
internal static class OutputSchema
{
    const string Scratch = "mlnet_unet_scratch_image";

    /// <summary>
    /// <paramref name="input"/> with a known-size vector of Byte <paramref name="output"/> made from the known-size vector of
    /// Single <paramref name="source"/>. SchemaShape's columns cannot be made with public API and ConvertType has no Single to
    /// Byte conversion, so the shape is asked of public estimators that make such a column: a vector turned into an image,
    /// whose pixels are extracted as bytes.
    /// </summary>
    public static SchemaShape WithByteVector(MLContext context, SchemaShape input, string output, string source) =>
        context.Transforms.ConvertToImage(1, 1, Scratch, source, ImagePixelExtractingEstimator.ColorBits.Red)
            .Append(context.Transforms.ExtractPixels(output, Scratch, ImagePixelExtractingEstimator.ColorBits.Red, outputAsFloatArray: false))
            .Append(context.Transforms.DropColumns(Scratch))
            .GetOutputSchema(input);
}
