using MLNet.UNet.Serving.Models;

namespace MLNet.UNet.Serving.Endpoints;

/// <summary><c>GET /models</c> and <c>GET /health</c>.</summary>
static class StatusEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/models", (ModelRegistry registry) => registry.Models.Select(m => new ModelDescription(
                m.Name, m.Kind.TakesImageFiles ? "image-files" : "volume-slices", new ModelInput(m.Kind.Channels, m.Kind.Size, m.Kind.Size),
                m.Threshold, m.Concurrency, registry.Models.First(d => d.Kind.TakesImageFiles == m.Kind.TakesImageFiles) == m, m.Organs?.Organs)).ToList())
            .WithSummary("The loaded models, their kind and input shape.");
        // Ready or not, the answer is 200 (alive); a readiness probe reads 'ready', or gets 503 from '?ready'.
        app.MapGet("/health", (ModelRegistry registry, HttpRequest request) =>
            {
                var health = new HealthResponse(true, registry.Ready, registry.Models.Count, registry.Failure);
                return request.Query.ContainsKey("ready") && !registry.Ready
                    ? Results.Json(health, statusCode: StatusCodes.Status503ServiceUnavailable)
                    : Results.Json(health);
            })
            .WithSummary("Alive, and ready once the models are loaded.");
    }
}
