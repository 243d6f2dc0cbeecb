using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace MLNet.UNet.Serving.Tests;

/// <summary>
/// The service under test, in-process (WebApplicationFactory's in-memory server), over the three tiny models trained
/// once for all tests; <see cref="StartOnKestrelAsync"/> runs the same app on a real loopback port for the browser.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    public const string ImageModel = "shapes";
    public const string VolumeModel = "balls";
    public const string OrgansModel = "two-balls";
    public const long MaxUploadBytes = 4 << 20;
    public const long MaxImagePixels = 4096L * 4096;
    public const long MaxVolumeVoxels = 1L << 24;

    readonly string folder = Path.Combine(Path.GetTempPath(), $"mlnet-unet-serving-tests-{Guid.NewGuid():N}");
    WebApplicationFactory<Program>? factory;
    readonly List<WebApplication> kestrelApps = [];

    internal TinyModels Models { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public Dictionary<string, string> Settings => new()
    {
        ["Segmentation:Models:0:Name"] = ImageModel,
        ["Segmentation:Models:0:Path"] = Models.ImageZip,
        ["Segmentation:Models:1:Name"] = VolumeModel,
        ["Segmentation:Models:1:Path"] = Models.VolumeZip,
        ["Segmentation:Models:2:Name"] = OrgansModel,
        ["Segmentation:Models:2:Path"] = Models.OrgansZip,
        ["Segmentation:EnginesPerModel"] = "4",
        ["Segmentation:MaxUploadBytes"] = MaxUploadBytes.ToString(),
        ["Segmentation:MaxImagePixels"] = MaxImagePixels.ToString(),
        ["Segmentation:MaxVolumeVoxels"] = MaxVolumeVoxels.ToString(),
    };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        Models = new TinyModels(folder);
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in Settings)
                builder.UseSetting(key, value);
        });
        Client = factory.CreateClient();
        await WaitUntilReadyAsync(Client);
    }

    /// <summary>Starts another copy of the app on a free loopback port and returns its address.</summary>
    public async Task<Uri> StartOnKestrelAsync()
    {
        var app = ServingApp.Create(["--urls", "http://127.0.0.1:0", .. Settings.Select(s => $"--{s.Key}={s.Value}")]);
        kestrelApps.Add(app);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        using var client = new HttpClient { BaseAddress = address };
        await WaitUntilReadyAsync(client);
        return address;
    }

    static async Task WaitUntilReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var health = await client.GetFromJsonAsync<Health>("/health");
            if (health!.Ready)
                return;
            if (health.Failure is not null)
                throw new InvalidOperationException($"The service could not load the test models: {health.Failure}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("The service was not ready within 2 minutes.");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (factory is not null)
            await factory.DisposeAsync();
        foreach (var app in kestrelApps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        // The models' temporary ONNX copies are gone once the apps are disposed; the zips and PNGs go here.
        Directory.Delete(folder, recursive: true);
    }

    sealed record Health(bool Alive, bool Ready, int Models, string? Failure);
}

[CollectionDefinition(Name)]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "service";
}
