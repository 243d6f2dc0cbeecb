using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Cli.Inputs;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Segment;

namespace MLNet.UNet.Cli.Commands;

/// <summary>What a saved model expects as input, read from the input schema stored in its zip.</summary>
internal sealed record ModelKind(bool TakesImageFiles, int Size, int Channels = 1)
{
    /// <summary>Neighbour slices on each side that a volume model was trained with (its channels are 2k + 1).</summary>
    public int NeighbourSlices => (Channels - 1) / 2;

    /// <summary>The slice options that reproduce the model's input from volumes.</summary>
    public SliceLoaderOptions SliceOptions() => Channels % 2 == 1
        ? new() { ImageSize = Size, NeighbourSlices = NeighbourSlices }
        : throw new ArgumentException(
            $"This model takes {Channels}-channel slices, so it cannot be applied to volumes: slices from volumes have 2k + 1 channels " +
            "(the slice and k neighbours on each side, as 'unet train --volumes --neighbour-slices k' makes them).");

    /// <summary>Loads a model zip; with <paramref name="testTimeFlips"/>, a copy with test-time flips added (<see cref="SavedModelFlips"/>).</summary>
    public static (ITransformer Model, ModelKind Kind, DataViewSchema InputSchema) Load(MLContext context, FileInfo zip, bool testTimeFlips = false)
    {
        if (!zip.Exists)
            throw new FileNotFoundException($"Model '{zip.FullName}' does not exist.", zip.FullName);
        ITransformer model;
        DataViewSchema schema;
        // ML.NET writes a copy of the ONNX model there while loading.
        Directory.CreateDirectory(context.TempFilePath);
        var flipped = testTimeFlips ? Path.Combine(context.TempFilePath, $"mlnet-unet-flips-{Guid.NewGuid():N}.zip") : null;
        if (flipped is not null)
            SavedModelFlips.Write(zip.FullName, flipped); // says itself what is wrong with the model
        try
        {
            model = context.Model.Load(flipped ?? zip.FullName, out schema);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{zip.FullName}' is not an ML.NET model zip that this tool can read ({e.GetBaseException().Message}).", e);
        }
        finally
        {
            if (flipped is not null)
                File.Delete(flipped);
        }
        try
        {
            return (model, Of(zip, model, schema), schema);
        }
        catch
        {
            // A model that is not this tool's still holds an ONNX Runtime session and a temporary copy of its ONNX file.
            (model as IDisposable)?.Dispose();
            throw;
        }
    }

    static ModelKind Of(FileInfo zip, ITransformer model, DataViewSchema schema)
    {
        var output = model.GetOutputSchema(schema);
        if (output.GetColumnOrNull("Probability") is null || output.GetColumnOrNull("PredictedMask") is null)
            throw new InvalidDataException(
                $"'{zip.FullName}' is an ML.NET model, but not one of this tool's: it has no Probability and PredictedMask columns.");
        if (schema.GetColumnOrNull(nameof(ImageRow.ImagePath)) is not null)
        {
            var features = (VectorDataViewType)output["Features"].Type;
            return new ModelKind(true, features.Dimensions[^1]);
        }
        var slices = schema.GetColumnOrNull("Features")?.Type as VectorDataViewType
            ?? throw new InvalidDataException($"'{zip.FullName}' has neither an ImagePath nor a Features input column.");
        int channels = slices.Dimensions.Length == 3 ? slices.Dimensions[0] : 1;
        return new ModelKind(false, slices.Dimensions[^1], channels);
    }
}
