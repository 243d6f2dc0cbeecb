using System.Globalization;
using MLNet.UNet.Serving.Models;
using MLNet.UNet.Serving.Uploads;

namespace MLNet.UNet.Serving.Endpoints;

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

    /// <summary>
    /// The model the form's <c>model</c> field names, checked to take this endpoint's kind of input; when the field is
    /// absent, the first model (in configuration order) that takes it.
    /// </summary>
    public static ServedModel Model(ModelRegistry registry, IFormCollection form, bool imageFiles)
    {
        string? name = form["model"];
        string takes = imageFiles ? "image files (POST /segment)" : "volume slices (POST /segment-volume)";
        var fitting = registry.Models.Where(m => m.Kind.TakesImageFiles == imageFiles).ToList();
        if (string.IsNullOrWhiteSpace(name))
            return fitting.FirstOrDefault() ?? throw UploadProblem.BadRequest(
                $"No loaded model takes {takes}; the models are {string.Join(", ", registry.Models.Select(m => $"'{m.Name}'"))} (GET /models).");
        var model = registry.Find(name) ?? throw UploadProblem.BadRequest(
            $"There is no model named '{name}'; expected one of {string.Join(", ", registry.Models.Select(m => $"'{m.Name}'"))} (GET /models).");
        if (model.Kind.TakesImageFiles != imageFiles)
            throw UploadProblem.BadRequest($"Model '{model.Name}' does not take {takes}; " + (fitting.Count > 0
                ? $"name one that does in the 'model' field: {string.Join(", ", fitting.Select(m => $"'{m.Name}'"))}."
                : "no loaded model does."));
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
