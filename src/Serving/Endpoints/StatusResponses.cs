namespace MLNet.UNet.Serving.Endpoints;

/// <summary>The input a model takes.</summary>
/// <param name="Channels">Channels (for volume models, the slice and its neighbours).</param>
/// <param name="Height">Height the network takes.</param>
/// <param name="Width">Width the network takes.</param>
public sealed record ModelInput(int Channels, int Height, int Width);

/// <summary>One entry of <c>GET /models</c>.</summary>
/// <param name="Name">The name requests use.</param>
/// <param name="Kind"><c>image-files</c> (POST /segment) or <c>volume-slices</c> (POST /segment-volume).</param>
/// <param name="Input">What the network takes; images of any size are resized to it.</param>
/// <param name="Threshold">The model's own threshold; null for a model of several organs (each voxel takes its most probable class).</param>
/// <param name="Concurrency">Requests it serves at once.</param>
/// <param name="Default">True for the model requests of its kind get when they name none.</param>
/// <param name="Organs">The organs of a model of several organs, in class order, with the label value each has in the label map; null for a model of one.</param>
public sealed record ModelDescription(string Name, string Kind, ModelInput Input, float? Threshold, int Concurrency, bool Default,
    IReadOnlyList<Medical.Slices.Organ>? Organs);

/// <summary>The answer of <c>GET /health</c>.</summary>
/// <param name="Alive">Always true: the process answers.</param>
/// <param name="Ready">True once the models are loaded.</param>
/// <param name="Models">How many models are loaded.</param>
/// <param name="Failure">Why the models could not be loaded; null otherwise.</param>
public sealed record HealthResponse(bool Alive, bool Ready, int Models, string? Failure);
