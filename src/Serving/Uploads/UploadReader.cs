using Microsoft.AspNetCore.Http.Features;

namespace MLNet.UNet.Serving.Uploads;

/// <summary>One uploaded file and the other fields of its multipart form.</summary>
/// <param name="Bytes">The file's content.</param>
/// <param name="FileName">The name the client gave the file.</param>
/// <param name="Form">The form, for the other fields.</param>
public sealed record Upload(byte[] Bytes, string FileName, IFormCollection Form);

/// <summary>Reads a multipart form with one file field, refusing what is too large before reading it.</summary>
public static class UploadReader
{
    /// <summary>Room for the form's boundaries and small fields beside the file itself.</summary>
    const long FormOverheadBytes = 64 * 1024;

    /// <summary>Reads the file of field <paramref name="field"/>; throws <see cref="UploadProblem"/> for a missing, empty or too large upload.</summary>
    public static async Task<Upload> ReadAsync(HttpRequest request, string field, long maxBytes, CancellationToken cancellation)
    {
        long maxBody = maxBytes + FormOverheadBytes;
        if (request.ContentLength > maxBody)
            throw UploadProblem.TooLarge($"The request is {request.ContentLength:N0} bytes; uploads are limited to {maxBytes:N0} bytes.");
        if (!request.HasFormContentType)
            throw UploadProblem.BadRequest(
                $"The request's content type is '{request.ContentType ?? "none"}'; expected multipart/form-data with the file in a field named '{field}'.");
        IFormCollection form;
        try
        {
            // A larger body sent without a Content-Length (chunked) stops at the limit, unread.
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = maxBody;
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = maxBody }, cancellation);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw UploadProblem.TooLarge($"The request is larger than the limit of {maxBytes:N0} bytes for an upload.");
        }
        catch (InvalidDataException e)
        {
            throw e.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase)
                ? UploadProblem.TooLarge($"The upload is larger than the limit of {maxBytes:N0} bytes.")
                : UploadProblem.BadRequest($"The multipart form could not be read ({e.Message}); expected multipart/form-data with the file in a field named '{field}'.");
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException)
        {
            throw UploadProblem.BadRequest($"The request body could not be read ({e.Message}); expected multipart/form-data with the file in a field named '{field}'.");
        }
        var file = form.Files.GetFile(field);
        if (file is null)
            throw UploadProblem.BadRequest(form.Files.Count == 0
                ? $"The form holds no file; expected the file in a field named '{field}'."
                : $"The form holds file field(s) {string.Join(", ", form.Files.Select(f => $"'{f.Name}'"))}; expected the file in a field named '{field}'.");
        if (file.Length == 0)
            throw UploadProblem.BadRequest($"The file '{file.FileName}' in field '{field}' is empty (0 bytes).");
        if (file.Length > maxBytes)
            throw UploadProblem.TooLarge($"The file '{file.FileName}' is {file.Length:N0} bytes; uploads are limited to {maxBytes:N0} bytes.");
        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
            await stream.ReadExactlyAsync(bytes, cancellation);
        return new Upload(bytes, file.FileName, form);
    }
}
