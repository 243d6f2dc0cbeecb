using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using MLNet.UNet.Serving.Configuration;
using MLNet.UNet.Serving.Endpoints;
using MLNet.UNet.Serving.Hosting;
using MLNet.UNet.Serving.Models;

namespace MLNet.UNet.Serving;

/// <summary>The segmentation service: its models, endpoints and page, built from configuration and arguments.</summary>
public static class ServingApp
{
    /// <summary>
    /// Builds the app. Arguments are configuration as usual (<c>--urls http://127.0.0.1:0</c>,
    /// <c>--Segmentation:Models:0:Name=liver</c>, ...).
    /// </summary>
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // The page is copied beside the assembly, so it is found whatever folder the service starts from.
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Services.Configure<SegmentationOptions>(builder.Configuration.GetSection(SegmentationOptions.Section));
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<SegmentationOptions>>((kestrel, segmentation) =>
            // The form's boundaries and fields come on top of the file; UploadReader enforces the exact limit.
            kestrel.Limits.MaxRequestBodySize = segmentation.Value.MaxUploadBytes + (1 << 20));
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddHostedService<ModelLoader>();

        var app = builder.Build();
        app.UseServerTiming();
        // Anything unexpected is a 500 with a problem body; the process goes on serving.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        SegmentEndpoint.Map(app);
        VolumeEndpoint.Map(app);
        StatusEndpoints.Map(app);
        return app;
    }
}
