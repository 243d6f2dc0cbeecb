namespace MLNet.UNet.Serving.Models;

/// <summary>The models the service serves, once <see cref="ModelLoader"/> has loaded them.</summary>
public sealed class ModelRegistry : IDisposable
{
    volatile IReadOnlyList<ServedModel> models = [];
    volatile string? failure;
    volatile bool ready;

    /// <summary>True once every configured model is loaded.</summary>
    public bool Ready => ready;

    /// <summary>Why loading failed; null while loading and after success.</summary>
    public string? Failure => failure;

    /// <summary>The loaded models, in configuration order: a request that names none gets the first of its kind.</summary>
    public IReadOnlyList<ServedModel> Models => models;

    /// <summary>The model of that name (case-insensitive); null when there is none.</summary>
    public ServedModel? Find(string name) => models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    internal void Loaded(IReadOnlyList<ServedModel> loaded)
    {
        models = loaded;
        ready = true;
    }

    internal void Failed(string reason) => failure = reason;

    /// <summary>Disposes the models.</summary>
    public void Dispose()
    {
        foreach (var model in models)
            model.Dispose();
    }
}
