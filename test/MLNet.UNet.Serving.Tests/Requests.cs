using System.Net.Http.Headers;

namespace MLNet.UNet.Serving.Tests;

/// <summary>Multipart requests as a client sends them.</summary>
static class Requests
{
    /// <summary>A form with one file and optional text fields.</summary>
    public static MultipartFormDataContent Form(string field, byte[] file, string fileName, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, field, fileName);
        foreach (var (name, value) in fields)
            form.Add(new StringContent(value), name);
        return form;
    }

    public static HttpRequestMessage Post(string path, HttpContent content, string? accept = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (accept is not null)
            request.Headers.Accept.ParseAdd(accept);
        return request;
    }
}
