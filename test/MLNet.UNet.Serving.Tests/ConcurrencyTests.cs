using System.Net;

namespace MLNet.UNet.Serving.Tests;

/// <summary>Concurrent requests share no engine: each gets exactly the answer it gets alone.</summary>
[Collection(ServiceCollection.Name)]
public class ConcurrencyTests(ServiceFixture service)
{
    async Task<byte[]> Answer(string path, HttpContent content)
    {
        using var response = await service.Client.SendAsync(Requests.Post(path, content, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task SixtyFourConcurrentImagesGetTheAnswersTheyGetOneAtATime()
    {
        var images = service.Models.Shapes.Take(16).Select(s => File.ReadAllBytes(s.ImagePath)).ToList();
        var requests = Enumerable.Range(0, 64).Select(i => (Image: images[i % images.Count], Threshold: i % 3 == 0 ? "0.3" : "")).ToList();
        HttpContent Form((byte[] Image, string Threshold) r) => Requests.Form("image", r.Image, "shape.png", ("threshold", r.Threshold));

        var alone = new List<byte[]>();
        foreach (var request in requests)
            alone.Add(await Answer("/segment", Form(request)));
        var together = await Task.WhenAll(requests.Select(r => Task.Run(() => Answer("/segment", Form(r)))));

        for (int i = 0; i < requests.Count; i++)
            Assert.True(alone[i].AsSpan().SequenceEqual(together[i]), $"Request {i} was answered differently when sent with 63 others.");
        Assert.True(alone.Distinct(new BytesComparer()).Count() > 1, "The images should not all get one answer.");
    }

    [Fact]
    public async Task ConcurrentVolumesGetTheAnswersTheyGetOneAtATime()
    {
        var radii = new[] { 6, 8, 10, 12, 6, 8, 10, 12 };
        HttpContent Form(int radius) => Requests.Form("volume", TinyModels.BallNifti(radius), "ball.nii");
        var alone = new List<byte[]>();
        foreach (var radius in radii)
            alone.Add(await Answer("/segment-volume", Form(radius)));
        var together = await Task.WhenAll(radii.Select(r => Task.Run(() => Answer("/segment-volume", Form(r)))));
        for (int i = 0; i < radii.Length; i++)
            Assert.True(alone[i].AsSpan().SequenceEqual(together[i]), $"Volume {i} was answered differently when sent with {radii.Length - 1} others.");
    }

    sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] bytes) => bytes.Length;
    }
}
