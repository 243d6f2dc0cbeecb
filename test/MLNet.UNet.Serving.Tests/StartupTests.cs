using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace MLNet.UNet.Serving.Tests;

/// <summary>A service whose models cannot be loaded stays up, says why in /health, and answers requests with 503.</summary>
public class StartupTests
{
    [Fact]
    public async Task AMissingDemoModelThatMayNotBeTrainedLeavesTheServiceAliveNotReadyAndSayingWhy()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"mlnet-unet-serving-missing-{Guid.NewGuid():N}", "model.zip");
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Segmentation:DemoModelPath", missing);
            builder.UseSetting("Segmentation:TrainDemoModelIfMissing", "false");
        });
        using var client = factory.CreateClient();
        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        for (var deadline = DateTime.UtcNow.AddSeconds(30); health.GetProperty("failure").ValueKind == JsonValueKind.Null && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(100);
            health = await client.GetFromJsonAsync<JsonElement>("/health");
        }
        Assert.True(health.GetProperty("alive").GetBoolean());
        Assert.False(health.GetProperty("ready").GetBoolean());
        Assert.Contains(missing, health.GetProperty("failure").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health?ready")).StatusCode);

        using var response = await client.PostAsync("/segment", Requests.Form("image", [0x89, 0x50], "x.png"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("could not load its models", problem.GetProperty("detail").GetString());
    }
}
