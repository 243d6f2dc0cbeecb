using Microsoft.Playwright;

namespace MLNet.UNet.Serving.Tests;

/// <summary>The page in a real browser, against the app on a real loopback port.</summary>
[Collection(ServiceCollection.Name)]
public class PageTests(ServiceFixture service)
{
    async Task<T> WithPage<T>(Func<IPage, Task<T>> use)
    {
        var address = await service.StartOnKestrelAsync();
        var (playwright, browser) = await Browser.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 720 } });
            await page.GotoAsync(address.ToString());
            return await use(page);
        }
    }

    [SkippableFact]
    public async Task AMembraneImageIsDrawnWithTheMaskOverItAndTheSliderThresholdsIt()
    {
        var image = SharedData.RequireMembraneImage();
        await WithPage(async page =>
        {
            await Browser.UploadAsync(page, image);
            Assert.Equal((512, 512), (await page.EvaluateAsync<int>("document.getElementById('overlay').width"),
                await page.EvaluateAsync<int>("document.getElementById('overlay').height")));
            // The shapes model has not seen membranes; at the lowest threshold some pixels are foreground whatever it thinks.
            await page.Locator("#threshold").FillAsync("0.01");
            int low = await Browser.OverlayPixelsAsync(page);
            await page.Locator("#threshold").FillAsync("0.99");
            int high = await Browser.OverlayPixelsAsync(page);
            Assert.True(low > 0, "No pixel has the overlay colour at threshold 0.01.");
            Assert.True(high <= low, $"Threshold 0.99 shows {high} pixels, more than 0.01 shows ({low}).");
            await page.Locator("#threshold").FillAsync("0.5");
            Assert.False(await page.Locator("#slice-control").IsVisibleAsync(), "An image has no slices.");
            await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("membrane.png") });
            return 0;
        });
    }

    [SkippableFact]
    public async Task AShapeImageIsOverlaidWhereTheServiceFindsTheShape()
    {
        var shape = service.Models.Shapes[3].ImagePath;
        await WithPage(async page =>
        {
            await Browser.UploadAsync(page, shape);
            int overlay = await Browser.OverlayPixelsAsync(page);
            // The page thresholds the probabilities it was sent, as the service thresholds them for its mask.
            int probabilityAbove = await page.EvaluateAsync<int>("shown.probability.filter(p => p > Number(document.getElementById('threshold').value) * 255).length");
            Assert.True(overlay > 0, "No pixel has the overlay colour.");
            Assert.Equal(probabilityAbove, overlay);
            await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("shape.png") });
            return 0;
        });
    }

    [SkippableFact]
    public async Task AVolumeIsShownSliceBySliceWithItsMask()
    {
        var file = Path.Combine(service.Models.Folder, "ball.nii.gz");
        await File.WriteAllBytesAsync(file, TinyModels.BallNifti(radius: 10, gzip: true));
        await WithPage(async page =>
        {
            await Browser.UploadAsync(page, file);
            Assert.True(await page.Locator("#slice-control").IsVisibleAsync());
            Assert.True(await page.Locator("#threshold").IsDisabledAsync());
            foreach (var slice in new[] { "0", "3", "5" })
            {
                await page.Locator("#slice").FillAsync(slice);
                int expected = await page.EvaluateAsync<int>($"shown.mask.slice({slice} * 1024, ({slice} + 1) * 1024).filter(v => v === 1).length");
                Assert.Equal(expected, await Browser.OverlayPixelsAsync(page));
                Assert.Contains($"{int.Parse(slice) + 1} / 6", await page.TextContentAsync("#slice-value"));
            }
            await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("volume.png") });
            return 0;
        });
    }

    [SkippableFact]
    public async Task AVolumeOfSeveralOrgansIsDrawnInEachOrgansColourWithItsVolume()
    {
        var file = Path.Combine(service.Models.Folder, "two-balls.nii.gz");
        await File.WriteAllBytesAsync(file, TinyModels.Nifti(TinyModels.TwoBalls("upload", 6).Image, gzip: true));
        await WithPage(async page =>
        {
            await page.Locator("body[data-state=ready]").WaitForAsync(new() { Timeout = 60_000 });
            await page.SelectOptionAsync("#model", ServiceFixture.OrgansModel);
            await Browser.UploadAsync(page, file);
            await page.Locator("#slice").FillAsync("3");
            var organs = await page.EvaluateAsync<string[]>("shown.result.organs.map(o => o.colour)");
            Assert.Equal(2, organs.Length);
            for (int k = 0; k < organs.Length; k++)
            {
                int expected = await page.EvaluateAsync<int>($"shown.mask.slice(3 * 1024, 4 * 1024).filter(v => v === {k + 1}).length");
                Assert.True(expected > 0, $"The tiny model found no voxel of organ {k + 1} on the middle slice.");
                Assert.Equal(expected, await Browser.OverlayPixelsAsync(page, organs[k]));
            }
            Assert.Equal(0, await Browser.OverlayPixelsAsync(page));  // nothing in the one-organ colour
            var summary = await page.TextContentAsync("#summary");
            Assert.Contains("bright (#e6194b)", summary);
            Assert.Contains("dim (#3cb44b)", summary);
            await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("organs.png") });
            return 0;
        });
    }
}
