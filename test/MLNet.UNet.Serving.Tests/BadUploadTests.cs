using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace MLNet.UNet.Serving.Tests;

/// <summary>Bad uploads get 400 or 413 with a problem body naming what is wrong, and the service goes on serving.</summary>
[Collection(ServiceCollection.Name)]
public class BadUploadTests(ServiceFixture service)
{
    /// <summary>One bad request: where it goes, what it holds, the status and a phrase the problem's detail must hold.</summary>
    public sealed record BadUpload(string Name, string Path, Func<ServiceFixture, HttpContent> Content, HttpStatusCode Status, string Detail)
    {
        public override string ToString() => Name;
    }

    static byte[] Png(ServiceFixture s) => File.ReadAllBytes(s.Models.Shapes[0].ImagePath);

    static HttpContent Image(byte[] bytes, params (string, string)[] fields) => Requests.Form("image", bytes, "upload.png", fields);

    static HttpContent Volume(byte[] bytes, params (string, string)[] fields) => Requests.Form("volume", bytes, "upload.nii", fields);

    /// <summary>A valid PNG whose IHDR is rewritten to declare another size (the CRC is left stale: nothing may decode it).</summary>
    static byte[] PngDeclaring(ServiceFixture s, int width, int height)
    {
        var bytes = Png(s);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), height);
        return bytes;
    }

    /// <summary>A NIfTI ball whose header declares other dims (x, y, z) than its data holds.</summary>
    static byte[] NiftiDeclaring(short x, short y, short z)
    {
        var bytes = TinyModels.BallNifti(radius: 9);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(42), x);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(44), y);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(46), z);
        return bytes;
    }

    public static TheoryData<BadUpload> Cases => new()
    {
        new("not an image", "/segment", s => Image(Encoding.UTF8.GetBytes("hello, this is text")), HttpStatusCode.BadRequest, "not a PNG or JPEG"),
        new("zero bytes", "/segment", s => Image([]), HttpStatusCode.BadRequest, "empty (0 bytes)"),
        new("PNG signature only", "/segment", s => Image(Png(s)[..8]), HttpStatusCode.BadRequest, "no IHDR"),
        new("truncated PNG", "/segment", s => Image(Png(s)[..(Png(s).Length / 2)]), HttpStatusCode.BadRequest, "truncated"),
        new("PNG without its IEND", "/segment", s => Image(Png(s)[..^12]), HttpStatusCode.BadRequest, "truncated"),
        new("PNG header claiming 60000 x 60000", "/segment", s => Image(PngDeclaring(s, 60000, 60000)), HttpStatusCode.RequestEntityTooLarge, "60000 x 60000"),
        new("PNG header claiming 0 x 48", "/segment", s => Image(PngDeclaring(s, 0, 48)), HttpStatusCode.BadRequest, "positive width and height"),
        new("truncated JPEG", "/segment", s => Image(Pngs.ToJpeg(Png(s))[..200]), HttpStatusCode.BadRequest, "JPEG"),
        new("upload above the size limit", "/segment", s => Image([.. Png(s), .. new byte[ServiceFixture.MaxUploadBytes]]), HttpStatusCode.RequestEntityTooLarge, "limited to"),
        new("wrong content type", "/segment", s => JsonContent.Create(new { image = "shape.png" }), HttpStatusCode.BadRequest, "multipart/form-data"),
        new("missing form field", "/segment", s => Requests.Form("file", Png(s), "upload.png"), HttpStatusCode.BadRequest, "field named 'image'"),
        new("form without a file", "/segment", s => new MultipartFormDataContent { { new StringContent("0.5"), "threshold" } }, HttpStatusCode.BadRequest, "no file"),
        new("unknown model name", "/segment", s => Image(Png(s), ("model", "nonexistent")), HttpStatusCode.BadRequest, "no model named 'nonexistent'"),
        new("a volume model for an image", "/segment", s => Image(Png(s), ("model", ServiceFixture.VolumeModel)), HttpStatusCode.BadRequest, "does not take image files"),
        new("threshold not a number", "/segment", s => Image(Png(s), ("threshold", "half")), HttpStatusCode.BadRequest, "strictly between 0 and 1"),
        new("threshold above 1", "/segment", s => Image(Png(s), ("threshold", "1.5")), HttpStatusCode.BadRequest, "strictly between 0 and 1"),
        new("threshold 0", "/segment", s => Image(Png(s), ("threshold", "0")), HttpStatusCode.BadRequest, "strictly between 0 and 1"),
        new("unknown format", "/segment", s => Image(Png(s), ("format", "bmp")), HttpStatusCode.BadRequest, "expected 'png' or 'json'"),
        new("a volume sent as an image", "/segment", s => Image(TinyModels.BallNifti(radius: 9)), HttpStatusCode.BadRequest, "not a PNG or JPEG"),
        new("NIfTI claiming more voxels than it holds", "/segment-volume", s => Volume(NiftiDeclaring(32, 32, 60)), HttpStatusCode.BadRequest, "truncated"),
        new("NIfTI claiming more voxels than the limit", "/segment-volume", s => Volume(NiftiDeclaring(4000, 4000, 40)), HttpStatusCode.RequestEntityTooLarge, "limited to"),
        new("an image sent as a volume", "/segment-volume", s => Volume(Png(s)), HttpStatusCode.BadRequest, "not a NIfTI-1 volume"),
        new("NIfTI shorter than its header", "/segment-volume", s => Volume(TinyModels.BallNifti(radius: 9)[..100]), HttpStatusCode.BadRequest, "header alone is 348 bytes"),
        new("gzip that does not decompress", "/segment-volume", s => Volume([0x1F, 0x8B, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]), HttpStatusCode.BadRequest, "does not decompress"),
        new("an image model for a volume", "/segment-volume", s => Volume(TinyModels.BallNifti(radius: 9), ("model", ServiceFixture.ImageModel)), HttpStatusCode.BadRequest, "does not take volume slices"),
        new("missing volume field", "/segment-volume", s => Requests.Form("image", TinyModels.BallNifti(radius: 9), "upload.nii"), HttpStatusCode.BadRequest, "field named 'volume'"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task IsRefusedWithAProblemBodyAndTheServiceGoesOn(BadUpload upload)
    {
        using (var response = await service.Client.PostAsync(upload.Path, upload.Content(service)))
        {
            Assert.Equal(upload.Status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal((int)upload.Status, problem.GetProperty("status").GetInt32());
            Assert.Contains(upload.Detail, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }

        var health = await service.Client.GetFromJsonAsync<JsonElement>("/health");
        Assert.True(health.GetProperty("ready").GetBoolean());
        using var good = await service.Client.PostAsync("/segment", Image(Png(service)));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }
}
