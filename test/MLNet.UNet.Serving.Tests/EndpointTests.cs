using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Plausibility;
using Microsoft.ML;

namespace MLNet.UNet.Serving.Tests;

/// <summary>Every endpoint, in-process, with the tiny models.</summary>
[Collection(ServiceCollection.Name)]
public class EndpointTests(ServiceFixture service)
{
    HttpClient Client => service.Client;

    byte[] ShapePng(int index = 0) => File.ReadAllBytes(service.Models.Shapes[index].ImagePath);

    async Task<JsonElement> SegmentJson(byte[] image, params (string, string)[] fields)
    {
        using var response = await Client.SendAsync(Requests.Post("/segment", Requests.Form("image", image, "shape.png", fields), "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task HealthSaysAliveAndReadyWithTheServerTimeInAHeader()
    {
        using var response = await Client.GetAsync("/health");
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(health.GetProperty("alive").GetBoolean());
        Assert.True(health.GetProperty("ready").GetBoolean());
        Assert.Equal(3, health.GetProperty("models").GetInt32());
        Assert.Matches(@"^app;dur=\d+\.\d$", response.Headers.GetValues("Server-Timing").Single());
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/health?ready")).StatusCode);
    }

    [Fact]
    public async Task ModelsListsEachModelWithItsKindAndInputShape()
    {
        var models = await Client.GetFromJsonAsync<JsonElement>("/models");
        Assert.Equal(3, models.GetArrayLength());
        var image = models[0];
        Assert.Equal(ServiceFixture.ImageModel, image.GetProperty("name").GetString());
        Assert.Equal("image-files", image.GetProperty("kind").GetString());
        Assert.True(image.GetProperty("default").GetBoolean());
        Assert.Equal(0.5f, image.GetProperty("threshold").GetSingle());
        var volume = models[1];
        Assert.Equal(ServiceFixture.VolumeModel, volume.GetProperty("name").GetString());
        Assert.Equal("volume-slices", volume.GetProperty("kind").GetString());
        Assert.True(volume.GetProperty("default").GetBoolean());  // the first volume model: volumes that name none get it
        Assert.Equal(JsonValueKind.Null, volume.GetProperty("organs").ValueKind);
        var organs = models[2];
        Assert.Equal(ServiceFixture.OrgansModel, organs.GetProperty("name").GetString());
        Assert.False(organs.GetProperty("default").GetBoolean());
        Assert.Equal(JsonValueKind.Null, organs.GetProperty("threshold").ValueKind);  // each voxel takes its most probable class
        Assert.Equal([("bright", 1), ("dim", 4)], organs.GetProperty("organs").EnumerateArray()
            .Select(o => (o.GetProperty("name").GetString(), o.GetProperty("value").GetInt32())));
        foreach (var model in new[] { image, volume, organs })
        {
            var input = model.GetProperty("input");
            Assert.Equal((1, TinyModels.Size, TinyModels.Size),
                (input.GetProperty("channels").GetInt32(), input.GetProperty("height").GetInt32(), input.GetProperty("width").GetInt32()));
        }
    }

    [Fact]
    public async Task AnImageGetsAMaskPngAtItsOwnSizeOrTheSameMaskInJson()
    {
        using var response = await Client.SendAsync(Requests.Post("/segment", Requests.Form("image", ShapePng(), "shape.png"), "image/png"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        var png = await response.Content.ReadAsByteArrayAsync();
        var (width, height, mask) = Pngs.Decode(png);
        Assert.Equal((48, 48), (width, height));
        Assert.All(mask, v => Assert.True(v is 0 or 255));

        var json = await SegmentJson(ShapePng());
        Assert.Equal(ServiceFixture.ImageModel, json.GetProperty("model").GetString());
        Assert.Equal((48, 48), (json.GetProperty("width").GetInt32(), json.GetProperty("height").GetInt32()));
        Assert.Equal(png, json.GetProperty("maskPng").GetBytesFromBase64());
        Assert.Equal(mask.Count(v => v == 255) / (double)mask.Length, json.GetProperty("foregroundFraction").GetDouble(), 9);
        var probability = json.GetProperty("probability");
        float min = probability.GetProperty("min").GetSingle(), mean = probability.GetProperty("mean").GetSingle(), max = probability.GetProperty("max").GetSingle();
        Assert.True(0 <= min && min <= mean && mean <= max && max <= 1, $"min {min}, mean {mean}, max {max}");
        var probabilities = Pngs.Decode(json.GetProperty("probabilityPng").GetBytesFromBase64());
        Assert.Equal((48, 48), (probabilities.Width, probabilities.Height));
    }

    [Fact]
    public async Task TheFormatFieldOverridesTheAcceptHeaderAndAJpegIsTakenToo()
    {
        using var response = await Client.SendAsync(Requests.Post("/segment",
            Requests.Form("image", Pngs.ToJpeg(ShapePng(1)), "shape.jpg", ("format", "json")), "image/png"));
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(48, json.GetProperty("width").GetInt32());
    }

    [Fact]
    public async Task ALowerThresholdNeverGivesLessForeground()
    {
        var low = await SegmentJson(ShapePng(2), ("threshold", "0.05"));
        var high = await SegmentJson(ShapePng(2), ("threshold", "0.95"), ("model", ServiceFixture.ImageModel));
        Assert.Equal(0.05f, low.GetProperty("threshold").GetSingle());
        Assert.True(low.GetProperty("foregroundFraction").GetDouble() >= high.GetProperty("foregroundFraction").GetDouble());
    }

    [Fact]
    public async Task AnAcceptHeaderWithNoFormatTheEndpointWritesGets406()
    {
        using var response = await Client.SendAsync(Requests.Post("/segment", Requests.Form("image", ShapePng(), "shape.png"), "text/html"));
        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AVolumeGetsAUInt8LabelMapInItsOwnSpacePostProcessedAsTheToolDoesIt(bool gzip)
    {
        var upload = TinyModels.BallNifti(radius: 9, gzip);
        using var response = await Client.PostAsync("/segment-volume",
            Requests.Form("volume", upload, gzip ? "ball.nii.gz" : "ball.nii", ("model", ServiceFixture.VolumeModel)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(gzip ? "application/gzip" : "application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(gzip, bytes[0] == 0x1F && bytes[1] == 0x8B);
        var labels = NiftiReader.Read(new MemoryStream(bytes));
        var input = NiftiReader.Read(new MemoryStream(upload));
        Assert.Equal(NiftiDataType.UInt8, labels.Header!.DataType);
        Assert.Equal((input.SizeX, input.SizeY, input.SizeZ), (labels.SizeX, labels.SizeY, labels.SizeZ));
        Assert.Equal((input.SpacingX, input.SpacingY, input.SpacingZ), (labels.SpacingX, labels.SpacingY, labels.SpacingZ));

        // What 'unet predict --volumes --post-process' writes for the same zip.
        var context = new MLContext();
        var (model, kind, _) = ModelKind.Load(context, new FileInfo(service.Models.VolumeZip));
        using var loaded = model as IDisposable;
        var tool = new VolumeSegmenter(context, model, kind.SliceOptions(), new VolumeSegmenterOptions
        {
            PostProcess = true, SmoothingRadius = kind.SmoothingRadius, Plausibility = PlausibilityRecord.ReadFromModel(service.Models.VolumeZip), Threshold = kind.Threshold,
        }).Segment("ball", input);
        Assert.Equal(tool.Mask.Voxels.Select(v => v ? 1f : 0f), labels.Data);
        Assert.Equal(tool.Warnings.Count.ToString(), response.Headers.GetValues("X-Plausibility-Warnings").Single());
    }

    [Fact]
    public async Task AVolumeStoredWithItsAxesSwappedIsTurnedToBeScoredAndAnsweredOnItsOwnGrid()
    {
        var upload = TinyModels.Nifti(TinyModels.TwoBalls("upload", 6).Image);
        var ordinary = NiftiReader.Read(new MemoryStream(upload));
        var (nx, ny, nz) = (ordinary.SizeX, ordinary.SizeY, ordinary.SizeZ);
        float[] Swap(float[] data, int width, int height) =>
            [.. Enumerable.Range(0, data.Length).Select(i => data[i / (width * height) * width * height + i % height * width + i / height % width])];
        // Stored with x and y swapped, the sform saying so (axis codes ARS against the training's RAS).
        var swapped = new MLNet.UNet.Medical.Volumes.Volume(Swap(ordinary.Data, nx, ny), ny, nx, nz, ordinary.SpacingY, ordinary.SpacingX, ordinary.SpacingZ,
            new NiftiHeader
            {
                Rank = 3, Dimensions = [ny, nx, nz], Spacing = [ordinary.SpacingY, ordinary.SpacingX, ordinary.SpacingZ], SFormCode = 1,
                SForm = [0, ordinary.SpacingX, 0, 0, ordinary.SpacingY, 0, 0, 0, 0, 0, ordinary.SpacingZ, 0],
            });
        using var asItIs = await Client.PostAsync("/segment-volume", Requests.Form("volume", upload, "balls.nii", ("model", ServiceFixture.OrgansModel)));
        using var turned = await Client.PostAsync("/segment-volume", Requests.Form("volume", NiftiWriter.Encode(swapped), "balls.nii", ("model", ServiceFixture.OrgansModel)));
        Assert.Equal(HttpStatusCode.OK, turned.StatusCode);
        Assert.Equal("ARS", turned.Headers.GetValues("X-Reoriented-From").Single());
        Assert.False(asItIs.Headers.Contains("X-Reoriented-From"));
        var expected = NiftiReader.Read(new MemoryStream(await asItIs.Content.ReadAsByteArrayAsync()));
        var labels = NiftiReader.Read(new MemoryStream(await turned.Content.ReadAsByteArrayAsync()));
        Assert.Equal((ny, nx, nz), (labels.SizeX, labels.SizeY, labels.SizeZ));
        Assert.Contains(1f, labels.Data);
        Assert.Contains(4f, labels.Data);
        Assert.Equal(Swap(expected.Data, nx, ny), labels.Data);
    }

    [Fact]
    public async Task AVolumeInSlicesTwiceAsWideIsScoredInAWindowOfTheTrainingsWidth()
    {
        var upload = TinyModels.Nifti(TinyModels.TwoBalls("upload", 6).Image);
        var ordinary = NiftiReader.Read(new MemoryStream(upload));
        var (nx, ny, nz) = (ordinary.SizeX, ordinary.SizeY, ordinary.SizeZ);
        // The same organs with a margin of half a slice all round, darker than anything in the slice.
        var wide = new float[4 * ordinary.Data.Length];
        Array.Fill(wide, ordinary.Data.Min() - 1);
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                Array.Copy(ordinary.Data, (z * ny + y) * nx, wide, (z * 2 * ny + y + ny / 2) * 2 * nx + nx / 2, nx);
        var volume = new MLNet.UNet.Medical.Volumes.Volume(wide, 2 * nx, 2 * ny, nz, ordinary.SpacingX, ordinary.SpacingY, ordinary.SpacingZ);
        using var asItIs = await Client.PostAsync("/segment-volume", Requests.Form("volume", upload, "balls.nii", ("model", ServiceFixture.OrgansModel)));
        using var windowed = await Client.PostAsync("/segment-volume", Requests.Form("volume", NiftiWriter.Encode(volume), "balls.nii", ("model", ServiceFixture.OrgansModel)));
        Assert.Equal(HttpStatusCode.OK, windowed.StatusCode);
        var expected = NiftiReader.Read(new MemoryStream(await asItIs.Content.ReadAsByteArrayAsync())).Data;
        var labels = NiftiReader.Read(new MemoryStream(await windowed.Content.ReadAsByteArrayAsync()));
        Assert.Equal((2 * nx, 2 * ny, nz), (labels.SizeX, labels.SizeY, labels.SizeZ));
        // Each organ found at about its size, as in the ordinary slices.
        foreach (var organ in new[] { 1f, 4f })
        {
            int found = labels.Data.Count(v => v == organ), ordinaryCount = expected.Count(v => v == organ);
            Assert.InRange(found, 0.8 * ordinaryCount, 1.25 * ordinaryCount);
        }
        Assert.Contains("scored in a window of", windowed.Headers.GetValues("X-Field-Of-View-Matched").Single());
        Assert.False(asItIs.Headers.Contains("X-Field-Of-View-Matched"));
    }

    [Fact]
    public async Task AVolumeAskedForJsonGetsItsSlicesAndMaskForThePage()
    {
        var json = await (await Client.SendAsync(Requests.Post("/segment-volume",
            Requests.Form("volume", TinyModels.BallNifti(radius: 9), "ball.nii"), "application/json"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((32, 32, 6), (json.GetProperty("sizeX").GetInt32(), json.GetProperty("sizeY").GetInt32(), json.GetProperty("sizeZ").GetInt32()));
        var image = json.GetProperty("image").GetBytesFromBase64();
        var mask = json.GetProperty("mask").GetBytesFromBase64();
        Assert.Equal(32 * 32 * 6, image.Length);
        Assert.Equal(image.Length, mask.Length);
        Assert.All(mask, v => Assert.True(v is 0 or 1));
        Assert.Equal(mask.Count(v => v == 1), json.GetProperty("foregroundVoxels").GetInt32());
        Assert.Equal(ServiceFixture.VolumeModel, json.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("/", "text/html", "MLNet.UNet segmentation")]
    [InlineData("/app.js", "text/javascript", "/segment-volume")]
    [InlineData("/app.css", "text/css", "#overlay")]
    public async Task ThePageIsServedByTheAppItself(string path, string contentType, string content)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains(content, text);
        Assert.DoesNotContain("https://", text);  // nothing fetched from elsewhere: the page works offline
    }
}
