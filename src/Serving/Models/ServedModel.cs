using Microsoft.ML;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Serving.Models;

/// <summary>
/// One loaded model zip and what serves it: a pool of prediction engines for an image-file model, a
/// <see cref="VolumeSegmenter"/> (with post-processing, as <c>unet predict --volumes --post-process</c>) for a
/// volume-slice model of one organ, or an <see cref="OrganSegmenter"/> (post-processed the same way) for one of several organs.
/// </summary>
public sealed class ServedModel : IDisposable
{
    readonly ITransformer model;
    readonly EnginePool<ImageInput, ImageProbabilities>? engines;
    readonly VolumeSegmenter? volumes;
    readonly OrganSegmenter? organs;
    readonly SemaphoreSlim? volumeSlots;

    ServedModel(string name, string path, ModelKind kind, ITransformer model, float? threshold,
        EnginePool<ImageInput, ImageProbabilities>? engines, VolumeSegmenter? volumes, OrganSegmenter? organs, int concurrency)
    {
        Name = name;
        Path = path;
        Kind = kind;
        Threshold = threshold;
        Concurrency = concurrency;
        this.model = model;
        this.engines = engines;
        this.volumes = volumes;
        this.organs = organs;
        volumeSlots = engines is null ? new SemaphoreSlim(concurrency, concurrency) : null;
    }

    /// <summary>The name requests use.</summary>
    public string Name { get; }

    /// <summary>The zip's full path.</summary>
    public string Path { get; }

    /// <summary>What the model takes: image files or volume slices, and the network's input size.</summary>
    public ModelKind Kind { get; }

    /// <summary>The model's own threshold (its Threshold component's), used when a request gives none; null for a model of several organs, which takes each voxel's most probable class.</summary>
    public float? Threshold { get; }

    /// <summary>The organs a model of several organs segments, in class order; null for a model of one.</summary>
    public OrganLabels? Organs => organs?.Organs;

    /// <summary>How many requests this model serves at once.</summary>
    public int Concurrency { get; }

    /// <summary>Loads a zip; the kind decides how it is served.</summary>
    /// <param name="name">The name requests use.</param>
    /// <param name="zip">The model zip.</param>
    /// <param name="concurrency">Prediction engines (image models) or volumes at once (volume models).</param>
    public static ServedModel Load(string name, FileInfo zip, int concurrency)
    {
        var context = new MLContext();
        var (model, kind, _) = ModelKind.Load(context, zip);
        try
        {
            if (kind.Organs is { } organs)
            {
                if (kind.TakesImageFiles)
                    throw new InvalidDataException($"'{zip.FullName}' segments several organs ({organs}) from image files; the service serves such models for volumes only.");
                var organSegmenter = new OrganSegmenter(context, model, kind.SliceOptions(), organs, postProcess: true,
                    smoothingRadius: kind.SmoothingRadius, plausibility: kind.OrganPlausibility, shift: kind.OutputShift, testTimeShifts: kind.TestTimeShifts);
                return new ServedModel(name, zip.FullName, kind, model, null, null, null, organSegmenter, concurrency);
            }
            float threshold = kind.Threshold ?? VolumeSegmenterOptions.Defaults.Threshold;
            if (kind.TakesImageFiles)
                return new ServedModel(name, zip.FullName, kind, model, threshold,
                    new EnginePool<ImageInput, ImageProbabilities>(context, model, concurrency), null, null, concurrency);
            // Transform on a fitted ITransformer is thread-safe and each call makes its own cursors, and neither kind of
            // segmenter keeps state between volumes, so one segmenter serves concurrent requests (as for organs above).
            var scoring = kind.SegmenterOptions();
            (scoring.PostProcess, scoring.Threshold) = (true, threshold);
            var segmenter = new VolumeSegmenter(context, model, kind.SliceOptions(), scoring);
            return new ServedModel(name, zip.FullName, kind, model, threshold, null, segmenter, null, concurrency);
        }
        catch
        {
            (model as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>The foreground probabilities (network size, row-major) of one encoded image (PNG or JPEG).</summary>
    /// <param name="image">The file's bytes, checked by <see cref="Uploads.ImageUpload.Check"/>.</param>
    /// <param name="extension">The file extension of its format.</param>
    /// <param name="cancellation">Gives up waiting for an engine.</param>
    /// <exception cref="InvalidOperationException">The model takes volume slices.</exception>
    /// <exception cref="InvalidDataException">The image does not decode.</exception>
    public async Task<float[]> ProbabilitiesAsync(byte[] image, string extension, CancellationToken cancellation)
    {
        if (engines is null)
            throw new InvalidOperationException($"Model '{Name}' takes volume slices, not image files.");
        // The saved pipeline starts with LoadImages from a path, and the service runs the zip exactly as it was saved
        // (whatever resizing and pixel extraction its pipeline holds) rather than rebuilding the chain after it; the
        // price is one small file per request, written to the temporary folder and always deleted.
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mlnet-unet-serving-{Guid.NewGuid():N}{extension}");
        try
        {
            await File.WriteAllBytesAsync(path, image, cancellation);
            var scored = await engines.PredictAsync(new ImageInput { ImagePath = path }, cancellation);
            return scored.Probability;
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException or IOException))
        {
            throw new InvalidDataException($"The image passed the header checks but could not be decoded ({e.GetBaseException().Message}).", e);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Segments one volume with a model of one organ, post-processed, in its own space, waiting for a turn when the model is busy.</summary>
    /// <exception cref="InvalidOperationException">The model takes image files, or segments several organs.</exception>
    public Task<VolumeSegmentation> SegmentAsync(string id, Volume volume, CancellationToken cancellation) => volumes is null
        ? throw new InvalidOperationException(organs is null ? $"Model '{Name}' takes image files, not volumes." : $"Model '{Name}' segments several organs; use SegmentOrgansAsync.")
        : InTurnAsync(() => volumes.Segment(id, volume), cancellation);

    /// <summary>Segments one volume with a model of several organs, each organ post-processed, in its own space, waiting for a turn when the model is busy.</summary>
    /// <exception cref="InvalidOperationException">The model takes image files, or segments one organ.</exception>
    public Task<OrganSegmentation> SegmentOrgansAsync(string id, Volume volume, CancellationToken cancellation) => organs is null
        ? throw new InvalidOperationException(volumes is null ? $"Model '{Name}' takes image files, not volumes." : $"Model '{Name}' segments one organ; use SegmentAsync.")
        : InTurnAsync(() => organs.Segment(id, volume), cancellation);

    /// <summary>The label map of one of this model's organ segmentations: each organ's label value, in the volume's space.</summary>
    public Volume LabelVolume(OrganSegmentation segmentation) =>
        (organs ?? throw new InvalidOperationException($"Model '{Name}' does not segment several organs.")).LabelVolume(segmentation);

    async Task<T> InTurnAsync<T>(Func<T> segment, CancellationToken cancellation)
    {
        await volumeSlots!.WaitAsync(cancellation);
        try
        {
            return segment();
        }
        finally
        {
            volumeSlots.Release();
        }
    }

    /// <summary>Releases the engines, the ONNX Runtime session and the temporary copy of the ONNX model.</summary>
    public void Dispose()
    {
        engines?.Dispose();
        volumeSlots?.Dispose();
        (model as IDisposable)?.Dispose();
    }
}
