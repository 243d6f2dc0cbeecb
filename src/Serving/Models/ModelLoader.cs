using Microsoft.Extensions.Options;
using Microsoft.ML;
using MLNet.UNet.Images;
using MLNet.UNet.Serving.Configuration;

namespace MLNet.UNet.Serving.Models;

/// <summary>
/// Loads the configured models when the service starts, in the background so that <c>/health</c> answers (alive,
/// not ready) meanwhile; with no models configured, the demo model, trained first when it is missing.
/// </summary>
sealed class ModelLoader(ModelRegistry registry, IOptions<SegmentationOptions> options, ILogger<ModelLoader> logger) : BackgroundService
{
    /// <summary>The name the demo model is served under.</summary>
    public const string DemoModelName = "shapes";

    protected override Task ExecuteAsync(CancellationToken stopping) => Task.Run(() =>
    {
        var loaded = new List<ServedModel>();
        try
        {
            var settings = options.Value;
            settings.Validate();
            foreach (var entry in Entries(settings, stopping))
            {
                var model = ServedModel.Load(entry.Name, new FileInfo(ModelPaths.Resolve(entry.Path)), settings.EnginesPerModel);
                loaded.Add(model);
                logger.LogInformation("Loaded model '{Name}' from {Path}: {Kind}, {Channels} x {Size} x {Size}, {Output}, {Engines} at once",
                    model.Name, model.Path, model.Kind.TakesImageFiles ? "image files" : "volume slices", model.Kind.Channels,
                    model.Kind.Size, model.Kind.Size, model.Organs is { } organs ? $"organs {organs}" : $"threshold {model.Threshold}", model.Concurrency);
            }
            registry.Loaded(loaded);
            logger.LogInformation("Ready: {Count} model(s)", loaded.Count);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The service stays up and says why in /health (not ready), rather than vanishing with a stack trace.
            foreach (var model in loaded)
                model.Dispose();
            registry.Failed(e.Message);
            logger.LogError(e, "The models could not be loaded: {Reason}", e.Message);
        }
    }, stopping);

    IEnumerable<ModelEntry> Entries(SegmentationOptions settings, CancellationToken stopping)
    {
        if (settings.Models.Count > 0)
            return settings.Models;
        var demo = ModelPaths.Resolve(settings.DemoModelPath);
        if (!File.Exists(demo))
        {
            if (!settings.TrainDemoModelIfMissing)
                throw new FileNotFoundException(
                    $"No models are configured ({SegmentationOptions.Section}:Models) and the demo model '{demo}' does not exist; " +
                    $"train it with 'dotnet run -c Release --project src/Examples/QuickStart' or set {SegmentationOptions.Section}:TrainDemoModelIfMissing to true.", demo);
            TrainDemoModel(demo, stopping);
        }
        return [new ModelEntry { Name = DemoModelName, Path = demo }];
    }

    void TrainDemoModel(string zip, CancellationToken stopping)
    {
        var folder = Path.GetDirectoryName(zip)!;
        logger.LogInformation("No model at {Path}: training the QuickStart's demo model there (synthetic shapes, about a minute on 2 cores)", zip);
        var run = SyntheticShapeModel.Train(new MLContext(seed: 1), folder, p =>
        {
            if (p.EpochCompleted)
                logger.LogInformation("Demo model: epoch {Epoch}/{Epochs}, validation Dice {Dice:F3}", p.Epoch, p.Epochs, p.ValidationDice);
        }, stopping);
        run.Model.Dispose();
        if (Path.GetFileName(zip) != SyntheticShapeModel.ModelFileName)
            File.Move(run.ModelPath, zip, overwrite: true);
        logger.LogInformation("Demo model saved to {Path}: held-out Dice {Dice:F3}", zip, run.Metrics.MeanDice);
    }
}
