using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Segment;

namespace MLNet.UNet.Medical.Inference;

/// <summary>
/// What a saved segmentation model expects as input, read from the input schema stored in its zip: image files (a
/// pipeline that starts with LoadImages from <see cref="ImagePathColumnName"/>) or volume slices (a
/// <see cref="SliceLoader"/> Features column), with the square size and channels its network takes.
/// </summary>
/// <param name="TakesImageFiles">True for image-file models, false for volume-slice models.</param>
/// <param name="Size">The height and width the network takes.</param>
/// <param name="Channels">The channels the network takes; for volume models, the slice and its neighbours.</param>
public sealed record ModelKind(bool TakesImageFiles, int Size, int Channels = 1)
{
    /// <summary>The input column of an image-file model: the path LoadImages reads.</summary>
    public const string ImagePathColumnName = "ImagePath";

    /// <summary>Neighbour slices on each side that a volume model was trained with (its channels are 2k + 1).</summary>
    public int NeighbourSlices => (Channels - 1) / 2;

    /// <summary>The slice options that reproduce the model's input from volumes.</summary>
    public SliceLoaderOptions SliceOptions() => Channels % 2 == 1
        ? new() { ImageSize = Size, NeighbourSlices = NeighbourSlices }
        : throw new ArgumentException(
            $"This model takes {Channels}-channel slices, so it cannot be applied to volumes: slices from volumes have 2k + 1 channels " +
            "(the slice and k neighbours on each side, as 'unet train --volumes --neighbour-slices k' makes them).");

    /// <summary>Loads a model zip; with <paramref name="testTimeFlips"/>, a copy with test-time flips added (<see cref="SavedModelFlips"/>).</summary>
    /// <param name="context">The context to load with; ML.NET writes a copy of the ONNX model under its temporary folder.</param>
    /// <param name="zip">The model zip.</param>
    /// <param name="testTimeFlips">Score with the mean over the image and its flips.</param>
    /// <returns>The model (disposable: dispose it to free its ONNX Runtime session), its kind and its input schema.</returns>
    /// <exception cref="FileNotFoundException">The zip does not exist.</exception>
    /// <exception cref="InvalidDataException">The zip is not an ML.NET model, or not a segmentation model of this library.</exception>
    public static (ITransformer Model, ModelKind Kind, DataViewSchema InputSchema) Load(MLContext context, FileInfo zip, bool testTimeFlips = false) =>
        Load(context, [zip], testTimeFlips);

    /// <summary>
    /// Loads one model zip, or several as one ensemble that averages their networks (<see cref="SavedModelEnsemble"/>); with
    /// <paramref name="testTimeFlips"/>, test-time flips are added (<see cref="SavedModelFlips"/>). The zips are not changed:
    /// the combined model is written to the context's temporary folder and deleted once loaded.
    /// </summary>
    /// <param name="context">The context to load with; ML.NET writes a copy of the ONNX model under its temporary folder.</param>
    /// <param name="zips">The model zips: one, or several of the same kind and input.</param>
    /// <param name="testTimeFlips">Score with the mean over the image and its flips.</param>
    /// <returns>The model (disposable: dispose it to free its ONNX Runtime session), its kind and its input schema.</returns>
    /// <exception cref="FileNotFoundException">A zip does not exist.</exception>
    /// <exception cref="InvalidDataException">A zip is not an ML.NET model, or not a segmentation model of this library.</exception>
    /// <exception cref="ArgumentException">The zips' networks differ in their input or output.</exception>
    public static (ITransformer Model, ModelKind Kind, DataViewSchema InputSchema) Load(MLContext context, IReadOnlyList<FileInfo> zips, bool testTimeFlips = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(zips);
        if (zips.Count == 0)
            throw new ArgumentException("Give at least one model zip.", nameof(zips));
        foreach (var zip in zips)
            if (!zip.Exists)
                throw new FileNotFoundException($"Model '{zip.FullName}' does not exist.", zip.FullName);
        ITransformer model;
        DataViewSchema schema;
        // ML.NET writes a copy of the ONNX model there while loading.
        Directory.CreateDirectory(context.TempFilePath);
        var made = new List<string>();
        string Temporary(string kind)
        {
            made.Add(Path.Combine(context.TempFilePath, $"mlnet-unet-{kind}-{Guid.NewGuid():N}.zip"));
            return made[^1];
        }
        string loaded = zips[0].FullName;
        try
        {
            // Both say themselves what is wrong with the models.
            if (zips.Count > 1)
                SavedModelEnsemble.Write([.. zips.Select(z => z.FullName)], loaded = Temporary("ensemble"));
            if (testTimeFlips)
                SavedModelFlips.Write(loaded, loaded = Temporary("flips"));
            try
            {
                model = context.Model.Load(loaded, out schema);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException($"'{zips[0].FullName}' is not an ML.NET model zip that this tool can read ({e.GetBaseException().Message}).", e);
            }
        }
        finally
        {
            foreach (var path in made)
                File.Delete(path);
        }
        try
        {
            return (model, Of(zips[0], model, schema), schema);
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
        if (output.GetColumnOrNull("Probability") is null || (output.GetColumnOrNull("PredictedMask") is null && output.GetColumnOrNull("PredictedLabel") is null))
            throw new InvalidDataException(
                $"'{zip.FullName}' is an ML.NET model, but not one of this tool's: it has no Probability and PredictedMask (or PredictedLabel, for several organs) columns.");
        if (schema.GetColumnOrNull(ImagePathColumnName) is not null)
        {
            var features = (VectorDataViewType)output["Features"].Type;
            int imageChannels = features.Dimensions.Length == 3 ? features.Dimensions[0] : 1;
            return new ModelKind(true, features.Dimensions[^1], imageChannels);
        }
        var slices = schema.GetColumnOrNull("Features")?.Type as VectorDataViewType
            ?? throw new InvalidDataException($"'{zip.FullName}' has neither an ImagePath nor a Features input column.");
        int channels = slices.Dimensions.Length == 3 ? slices.Dimensions[0] : 1;
        return new ModelKind(false, slices.Dimensions[^1], channels);
    }
}
