using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Plausibility;
using Microsoft.ML;

namespace MLNet.UNet.Serving.Tests;

/// <summary>A model of several organs served for volumes: the label map holds each organ's label value, and the page's JSON names the organs.</summary>
[Collection(ServiceCollection.Name)]
public class OrganModelTests(ServiceFixture service)
{
    HttpClient Client => service.Client;

    static byte[] Upload => TinyModels.Nifti(TinyModels.TwoBalls("upload", 6).Image, gzip: true);

    // What 'unet predict --volumes --post-process' gives for the same zip and volume, and the label map it writes.
    // The model's slice smoothing default applies, as there; smoothingRadius: 0 gives what it would be without.
    (OrganSegmentation Segmentation, float[] LabelMap) Tool(int? smoothingRadius = null)
    {
        var context = new MLContext();
        var (model, kind, _) = ModelKind.Load(context, new FileInfo(service.Models.OrgansZip));
        using var loaded = model as IDisposable;
        Assert.Equal(1, kind.SmoothingRadius);
        var segmenter = new OrganSegmenter(context, model, kind.SliceOptions(), TinyModels.Organs, postProcess: true,
            smoothingRadius ?? kind.SmoothingRadius, OrganPlausibility.ReadFromModel(service.Models.OrgansZip));
        var segmentation = segmenter.Segment("upload", NiftiReader.Read(new MemoryStream(Upload)));
        return (segmentation, segmenter.LabelVolume(segmentation).Data);
    }

    [Fact]
    public async Task AVolumeGetsTheOrgansLabelValuesAsTheToolWritesThem()
    {
        using var response = await Client.PostAsync("/segment-volume", Requests.Form("volume", Upload, "two-balls.nii.gz", ("model", ServiceFixture.OrgansModel)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var labels = NiftiReader.Read(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal(NiftiDataType.UInt8, labels.Header!.DataType);

        var (tool, labelMap) = Tool();
        Assert.Equal(labelMap, labels.Data);
        Assert.NotEqual(Tool(smoothingRadius: 0).LabelMap, labels.Data); // so the service did smooth, as the model says
        Assert.All(labels.Data, v => Assert.Contains(v, new[] { 0f, 1f, 4f }));
        // The tiny model finds both balls: the map is not empty, and each label value marks its own ball's side.
        Assert.Contains(1f, labels.Data);
        Assert.Contains(4f, labels.Data);
        var columns = labels.Data.Select((v, i) => (v, x: i % 32)).ToList();
        Assert.All(columns.Where(p => p.v == 1f), p => Assert.True(p.x < 16, $"The bright ball's label (1) is at x = {p.x}, on the right; the ball is on the left."));
        Assert.All(columns.Where(p => p.v == 4f), p => Assert.True(p.x >= 16, $"The dim ball's label (4) is at x = {p.x}, on the left; the ball is on the right."));
        Assert.Equal(tool.Warnings.Count.ToString(), response.Headers.GetValues("X-Plausibility-Warnings").Single());
    }

    [Fact]
    public async Task AVolumeAskedForJsonGetsItsClassMaskAndEachOrgansVolumeAndColour()
    {
        var json = await (await Client.SendAsync(Requests.Post("/segment-volume",
            Requests.Form("volume", Upload, "two-balls.nii.gz", ("model", ServiceFixture.OrgansModel)), "application/json"))).Content.ReadFromJsonAsync<JsonElement>();
        var mask = json.GetProperty("mask").GetBytesFromBase64();
        var organs = json.GetProperty("organs").EnumerateArray().ToList();
        var (tool, _) = Tool();

        Assert.Equal(tool.Classes.Select(c => (byte)c), mask);
        Assert.Equal(["bright", "dim"], organs.Select(o => o.GetProperty("name").GetString()));
        Assert.Equal([1, 4], organs.Select(o => o.GetProperty("value").GetInt32()));
        Assert.Equal(["#e6194b", "#3cb44b"], organs.Select(o => o.GetProperty("colour").GetString()));  // the class overlays' red and green
        for (int k = 0; k < organs.Count; k++)
        {
            int organClass = organs[k].GetProperty("class").GetInt32();
            Assert.Equal(k + 1, organClass);
            Assert.Equal(mask.Count(c => c == organClass), organs[k].GetProperty("voxels").GetInt32());
            Assert.Equal(tool.Statistics[k].VolumeMl, organs[k].GetProperty("volumeMl").GetDouble(), 6);
        }
        Assert.Equal(mask.Count(c => c != 0), json.GetProperty("foregroundVoxels").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("meanConfidence").ValueKind);
    }

    [Fact]
    public void AnImageModelThatRecordsSeveralOrgansIsRefusedAtLoad()
    {
        var copy = Path.Combine(service.Models.Folder, $"image-organs-{Guid.NewGuid():N}.zip");
        File.Copy(service.Models.ImageZip, copy);
        Medical.Slices.OrganLabels.Parse("liver=1,spleen=4").WriteInto(copy);
        var error = Assert.Throws<InvalidDataException>(() => Models.ServedModel.Load("image-organs", new FileInfo(copy), 1));
        Assert.Contains("segments several organs (liver=1,spleen=4) from image files", error.Message);
    }

    [Fact]
    public async Task AnImageSentToTheOrgansModelIsRefusedNamingTheImageModel()
    {
        using var response = await Client.PostAsync("/segment",
            Requests.Form("image", File.ReadAllBytes(service.Models.Shapes[0].ImagePath), "shape.png", ("model", ServiceFixture.OrgansModel)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"'{ServiceFixture.ImageModel}'", await response.Content.ReadAsStringAsync());
    }
}
