using System.Diagnostics;
using System.IO.Compression;
using Microsoft.Extensions.Options;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Serving.Configuration;
using MLNet.UNet.Serving.Models;
using MLNet.UNet.Serving.Segmentation;
using MLNet.UNet.Serving.Uploads;

namespace MLNet.UNet.Serving.Endpoints;

/// <summary>
/// <c>POST /segment-volume</c>: a NIfTI volume (form field <c>volume</c>, .nii or .nii.gz) to its uint8 label map in
/// the input's space (0/1 for a model of one organ, each organ's label value for a model of several), post-processed as
/// <c>unet predict --volumes --post-process</c>; or, asked for JSON, a <see cref="VolumePreview"/> for the page.
/// </summary>
static class VolumeEndpoint
{
    const string LogCategory = "MLNet.UNet.Serving.Volume";

    public const string FileField = "volume";

    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/segment-volume", Handle)
        .WithSummary("Segments a NIfTI volume with a volume-slice model: a uint8 NIfTI label map, or JSON slices for the page.");

    static async Task<IResult> Handle(HttpContext http, ModelRegistry registry, IOptions<SegmentationOptions> options,
        ILoggerFactory loggers, CancellationToken cancellation)
    {
        var logger = loggers.CreateLogger(LogCategory);
        var settings = options.Value;
        try
        {
            RequestFields.RequireReady(registry);
            var upload = await UploadReader.ReadAsync(http.Request, FileField, settings.MaxUploadBytes, cancellation);
            var model = RequestFields.Model(registry, upload.Form, imageFiles: false);
            var format = RequestFields.Format(http.Request, upload.Form, ResponseFormat.Nifti);
            var nifti = NiftiUpload.Read(upload.Bytes, settings.MaxVolumeVoxels);
            var id = VolumeName(upload.FileName);
            var clock = Stopwatch.StartNew();
            var answer = model.Organs is { } organs
                ? await SegmentOrgans(model, organs, id, nifti.Volume, cancellation)
                : await SegmentOrgan(model, id, nifti.Volume, cancellation);
            var volume = nifti.Volume;
            logger.LogInformation("Segmented volume {File} ({X} x {Y} x {Z}) with '{Model}' in {Milliseconds:F0} ms: {Millilitres:F1} ml, {Warnings} warning(s)",
                upload.FileName, volume.SizeX, volume.SizeY, volume.SizeZ, model.Name, clock.Elapsed.TotalMilliseconds, answer.VolumeMl, answer.Warnings.Count);
            http.Response.Headers["X-Plausibility-Warnings"] = answer.Warnings.Count.ToString();
            if (answer.ReorientedFrom is { } stored)
                http.Response.Headers["X-Reoriented-From"] = stored;
            if (answer.FieldOfViewMatched is { } windows)
                http.Response.Headers["X-Field-Of-View-Matched"] = windows;
            if (format == ResponseFormat.Json)
                return Results.Json(answer.Preview());
            var labels = NiftiWriter.Encode(answer.LabelMap(), NiftiDataType.UInt8);
            return nifti.Compressed
                ? Results.File(Gzip(labels), "application/gzip", id + "_mask.nii.gz")
                : Results.File(labels, "application/octet-stream", id + "_mask.nii");
        }
        catch (UploadProblem problem)
        {
            logger.LogWarning("POST /segment-volume refused ({Status}): {Detail}", problem.Status, problem.Message);
            return problem.ToResult();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
            return Results.Empty;
        }
    }

    // What a segmentation gives either answer: the page's preview or the label map, each made only when asked for.
    sealed record Answer(double VolumeMl, IReadOnlyList<string> Warnings, string? ReorientedFrom, string? FieldOfViewMatched, Func<VolumePreview> Preview, Func<Volume> LabelMap);

    // A model of one organ: the label map is 0/1.
    static async Task<Answer> SegmentOrgan(ServedModel model, string id, Volume volume, CancellationToken cancellation)
    {
        var segmentation = await model.SegmentAsync(id, volume, cancellation);
        return new(segmentation.Statistics.VolumeMl, segmentation.Warnings, segmentation.ReorientedFrom, segmentation.FieldOfViewMatched, () => VolumePreview.Of(model.Name, segmentation), segmentation.ToLabelVolume);
    }

    // A model of several organs: the label map holds each organ's label value.
    static async Task<Answer> SegmentOrgans(ServedModel model, OrganLabels organs, string id, Volume volume, CancellationToken cancellation)
    {
        var segmentation = await model.SegmentOrgansAsync(id, volume, cancellation);
        return new(segmentation.Statistics.Sum(s => s.VolumeMl), segmentation.Warnings, segmentation.ReorientedFrom, segmentation.FieldOfViewMatched, () => VolumePreview.Of(model.Name, segmentation, organs),
            () => model.LabelVolume(segmentation));
    }

    static string VolumeName(string fileName)
    {
        var name = NiftiReader.CaseName(fileName);
        return string.IsNullOrWhiteSpace(name) ? "volume" : name;
    }

    static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(bytes);
        return output.ToArray();
    }
}
