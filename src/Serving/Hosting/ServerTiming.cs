using System.Diagnostics;
using System.Globalization;

namespace MLNet.UNet.Serving.Hosting;

/// <summary>Adds the time the server spent on each request as a <c>Server-Timing</c> header (<c>app;dur=12.3</c>, milliseconds).</summary>
static class ServerTiming
{
    public const string HeaderName = "Server-Timing";

    public static IApplicationBuilder UseServerTiming(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        long start = Stopwatch.GetTimestamp();
        // Headers go before the body, so the time is taken when the response starts: it covers the work, not the sending.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = string.Create(CultureInfo.InvariantCulture, $"app;dur={Stopwatch.GetElapsedTime(start).TotalMilliseconds:F1}");
            return Task.CompletedTask;
        });
        await next(context);
    });
}
