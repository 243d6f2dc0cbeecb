namespace MLNet.UNet.Serving.Configuration;

/// <summary>The service's settings: the <c>Segmentation</c> section of the configuration (appsettings.json, environment, command line).</summary>
public sealed class SegmentationOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Segmentation";

    /// <summary>
    /// The model zips to load at start; a request that names none gets the first of the kind it sends. Empty: the demo model
    /// (<see cref="DemoModelPath"/>).
    /// </summary>
    public List<ModelEntry> Models { get; set; } = [];

    /// <summary>The demo model, served when <see cref="Models"/> is empty; relative paths are from the working directory.</summary>
    public string DemoModelPath { get; set; } = "artifacts/quickstart/model.zip";

    /// <summary>Train the QuickStart's synthetic-shape model into <see cref="DemoModelPath"/>'s folder when that zip is missing.</summary>
    public bool TrainDemoModelIfMissing { get; set; } = true;

    /// <summary>Prediction engines per image model, and concurrent volumes per volume model: how many requests a model serves at once.</summary>
    public int EnginesPerModel { get; set; } = Environment.ProcessorCount;

    /// <summary>The largest upload, in bytes; larger requests get 413 before they are read.</summary>
    public long MaxUploadBytes { get; set; } = 64L << 20;

    /// <summary>The largest image, in pixels (width x height, read from the header before decoding).</summary>
    public long MaxImagePixels { get; set; } = 4096L * 4096;

    /// <summary>The largest volume, in voxels (read from the NIfTI header before reading the data).</summary>
    public long MaxVolumeVoxels { get; set; } = 1L << 27;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (EnginesPerModel < 1)
            throw new ArgumentException($"{Section}:{nameof(EnginesPerModel)} must be 1 or more, got {EnginesPerModel}.");
        if (MaxUploadBytes < 1)
            throw new ArgumentException($"{Section}:{nameof(MaxUploadBytes)} must be 1 or more, got {MaxUploadBytes}.");
        if (MaxImagePixels < 1)
            throw new ArgumentException($"{Section}:{nameof(MaxImagePixels)} must be 1 or more, got {MaxImagePixels}.");
        if (MaxVolumeVoxels < 1)
            throw new ArgumentException($"{Section}:{nameof(MaxVolumeVoxels)} must be 1 or more, got {MaxVolumeVoxels}.");
        foreach (var (model, index) in Models.Select((m, i) => (m, i)))
        {
            if (string.IsNullOrWhiteSpace(model.Name) || string.IsNullOrWhiteSpace(model.Path))
                throw new ArgumentException($"{Section}:Models:{index} needs a Name and a Path, got Name '{model.Name}', Path '{model.Path}'.");
        }
        var duplicate = Models.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"{Section}:Models names '{duplicate.Key}' twice; each model needs a name of its own.");
    }
}
