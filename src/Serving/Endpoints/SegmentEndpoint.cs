using System.Diagnostics;
using Microsoft.Extensions.Options;
using MLNet.UNet.Serving.Configuration;
using MLNet.UNet.Serving.Models;
using MLNet.UNet.Serving.Segmentation;
using MLNet.UNet.Serving.Uploads;

namespace MLNet.UNet.Serving.Endpoints;

/// <summary><c>POST /segment</c>: a PNG or JPEG (form field <c>image</c>) to its mask, as a PNG or JSON.</summary>
static class SegmentEndpoint
{
    const string LogCategory = "MLNet.UNet.Serving.Segment";

    public const string FileField = "image";

    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/segment", Handle)
        .WithSummary("Segments a PNG or JPEG: the mask at the image's size, as image/png or JSON (Accept header or 'format' field).");

    static async Task<IResult> Handle(HttpContext http, ModelRegistry registry, IOptions<SegmentationOptions> options,
        ILoggerFactory loggers, CancellationToken cancellation)
    {
        var logger = loggers.CreateLogger(LogCategory);
        var settings = options.Value;
        try
        {
            RequestFields.RequireReady(registry);
            var upload = await UploadReader.ReadAsync(http.Request, FileField, settings.MaxUploadBytes, cancellation);
            var image = ImageUpload.Check(upload.Bytes, settings.MaxImagePixels);
            var model = RequestFields.Model(registry, upload.Form, imageFiles: true);
            // An image model has a threshold: models of several organs are served for volumes only.
            float threshold = RequestFields.Threshold(upload.Form) ?? model.Threshold!.Value;
            var format = RequestFields.Format(http.Request, upload.Form, ResponseFormat.Png);
            var clock = Stopwatch.StartNew();
            float[] probabilities;
            try
            {
                probabilities = await model.ProbabilitiesAsync(upload.Bytes, image.Extension, cancellation);
            }
            catch (InvalidDataException e)
            {
                throw UploadProblem.BadRequest($"{e.Message} Expected a valid PNG or JPEG.");
            }
            var result = ImageSegmentation.From(probabilities, model.Kind.Size, threshold, image.Width, image.Height);
            logger.LogInformation("Segmented {File} ({Width} x {Height}) with '{Model}' in {Milliseconds:F1} ms: {Foreground:P1} foreground",
                upload.FileName, image.Width, image.Height, model.Name, clock.Elapsed.TotalMilliseconds, result.ForegroundFraction);
            var mask = GrayPngEncoder.Encode(result.Mask, result.Width, result.Height);
            if (format == ResponseFormat.Png)
                return Results.File(mask, "image/png", Path.GetFileNameWithoutExtension(upload.FileName) + "_mask.png");
            return Results.Json(new SegmentResponse(model.Name, result.Width, result.Height, result.Threshold, result.ForegroundFraction,
                new ProbabilitySummary(result.MinimumProbability, result.MeanProbability, result.MaximumProbability),
                Convert.ToBase64String(mask), Convert.ToBase64String(GrayPngEncoder.Encode(result.Probability, result.Width, result.Height))));
        }
        catch (UploadProblem problem)
        {
            logger.LogWarning("POST /segment refused ({Status}): {Detail}", problem.Status, problem.Message);
            return problem.ToResult();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
            return Results.Empty;
        }
    }
}
