using Microsoft.ML;
using Microsoft.ML.Transforms.Image;

namespace MLNet.UNet.Cli.Inputs;

/// <summary>
/// The image parts of the pipeline the tool trains: files to Features, masks to Label. Images are stretched to the
/// square size (Fill), not centre-cropped (ML.NET's default), so that predictions map back onto the whole image.
/// </summary>
internal static class ImagePipeline
{
    public static IEstimator<ITransformer> Features(MLContext context, int size, int channels) =>
        context.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImageRow.ImagePath))
            .Append(context.Transforms.ResizeImages("Image", size, size, "Image", ImageResizingEstimator.ResizingKind.Fill))
            .Append(context.Transforms.ExtractPixels("Features", "Image",
                colorsToExtract: channels == 1 ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb,
                scaleImage: 1f / 255));

    public static IDataView WithLabels(MLContext context, IDataView files, int size) =>
        context.Transforms.LoadImages("MaskImage", imageFolder: null, inputColumnName: nameof(ImageRow.MaskPath))
            .Append(context.Transforms.ResizeImages("MaskImage", size, size, "MaskImage", ImageResizingEstimator.ResizingKind.Fill))
            .Append(context.Transforms.ExtractPixels("Label", "MaskImage", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red))
            .Fit(files).Transform(files);
}
