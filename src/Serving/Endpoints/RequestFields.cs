using System.Globalization;
using Microsoft.Net.Http.Headers;
using MLNet.UNet.Serving.Models;
using MLNet.UNet.Serving.Uploads;

namespace MLNet.UNet.Serving.Endpoints;

/// <summary>What a response is written as.</summary>
public enum ResponseFormat
{
    /// <summary>The mask as a PNG.</summary>
    Png,

    /// <summary>A JSON summary with the mask (and probabilities) inside.</summary>
    Json,

    /// <summary>A NIfTI label map.</summary>
    Nifti,
}

/// <summary>Reads and checks the fields of a segmentation request beside its file.</summary>
static class RequestFields
{
    /// <summary>Throws 503 while the models load, or when they failed to.</summary>
    public static void RequireReady(ModelRegistry registry)
    {
        if (!registry.Ready)
            throw new UploadProblem(StatusCodes.Status503ServiceUnavailable, "Not ready", registry.Failure is { } failure
                ? $"The service could not load its models: {failure}"
                : "The service is still loading its models; GET /health says when it is ready.");
    }

    /// <summary>The model the form's <c>model</c> field names (the default when absent), checked to take the given kind of input.</summary>
    public static ServedModel Model(ModelRegistry registry, IFormCollection form, bool imageFiles)
    {
        string? name = form["model"];
        var model = registry.Find(name) ?? throw UploadProblem.BadRequest(
            $"There is no model named '{name}'; expected one of {string.Join(", ", registry.Models.Select(m => $"'{m.Name}'"))} (GET /models).");
        if (model.Kind.TakesImageFiles != imageFiles)
        {
            var others = registry.Models.Where(m => m.Kind.TakesImageFiles == imageFiles).Select(m => $"'{m.Name}'").ToList();
            throw UploadProblem.BadRequest(
                $"Model '{model.Name}' takes {(model.Kind.TakesImageFiles ? "image files (POST /segment)" : "volume slices (POST /segment-volume)")}; " +
                (others.Count > 0 ? $"for this request choose {string.Join(", ", others)} in the 'model' field." : "no loaded model takes this kind of upload."));
        }
        return model;
    }

    /// <summary>The form's <c>threshold</c> field: null when absent, else a number strictly between 0 and 1.</summary>
    public static float? Threshold(IFormCollection form)
    {
        string? text = form["threshold"];
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float threshold) || !(threshold > 0 && threshold < 1))
            throw UploadProblem.BadRequest($"The threshold '{text}' is not a number strictly between 0 and 1 (e.g. 0.5).");
        return threshold;
    }

    /// <summary>
    /// The format the client asks for: the form's <c>format</c> field when given, else the Accept header (JSON, or
    /// the file format <paramref name="file"/>, the default).
    /// </summary>
    public static ResponseFormat Format(HttpRequest request, IFormCollection form, ResponseFormat file)
    {
        string fileName = file.ToString().ToLowerInvariant(), fileType = file == ResponseFormat.Png ? "image/png" : "application/octet-stream";
        string? field = form["format"];
        if (!string.IsNullOrWhiteSpace(field))
            return field.Trim().ToLowerInvariant() switch
            {
                "json" => ResponseFormat.Json,
                var f when f == fileName => file,
                _ => throw UploadProblem.BadRequest($"The format '{field}' is not one this endpoint writes; expected '{fileName}' or 'json'."),
            };
        var accepted = request.GetTypedHeaders().Accept;
        if (accepted.Count == 0)
            return file;
        foreach (var type in accepted.OrderByDescending(a => a.Quality ?? 1))
        {
            if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || type.MediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase))
                return ResponseFormat.Json;
            if (type.MediaType.Equals(fileType, StringComparison.OrdinalIgnoreCase) || type.MatchesAllTypes
                || (file == ResponseFormat.Png && type.MediaType.Equals("image/*", StringComparison.OrdinalIgnoreCase))
                || (file == ResponseFormat.Nifti && type.MediaType.Equals("application/gzip", StringComparison.OrdinalIgnoreCase)))
                return file;
        }
        throw new UploadProblem(StatusCodes.Status406NotAcceptable, "Not acceptable",
            $"The Accept header '{request.Headers.Accept}' names no format this endpoint writes; expected {fileType} or application/json (or the 'format' field).");
    }
}
