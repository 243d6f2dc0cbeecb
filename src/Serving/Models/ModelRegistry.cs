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

    /// <summary>The loaded models; the first is the default.</summary>
    public IReadOnlyList<ServedModel> Models => models;

    /// <summary>The model of that name (case-insensitive), or the default when <paramref name="name"/> is empty; null when there is none.</summary>
    public ServedModel? Find(string? name) => string.IsNullOrWhiteSpace(name)
        ? models.FirstOrDefault()
        : models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

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
