using Microsoft.Playwright;

namespace MLNet.UNet.Serving.Tests;

/// <summary>Debian's chromium driven by Playwright, which downloads nothing: the machine may be offline.</summary>
static class Browser
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>
    /// Launches headless chromium. Where it is missing, CI (the CI variable set) fails with how to install it;
    /// elsewhere the test is skipped with the same message.
    /// </summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            var message = $"Chromium is missing at {ChromiumPath}; install Debian's package (apt-get install -y chromium) to run the browser tests.";
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
                Assert.Fail(message);
            Skip.If(true, message);
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    /// <summary>
    /// Pixels of the overlay canvas in the page's overlay colour, or in <paramref name="colour"/> (<c>#rrggbb</c>, at the
    /// overlay's opacity); canvas alpha round trips may move a channel by one.
    /// </summary>
    public static Task<int> OverlayPixelsAsync(IPage page, string? colour = null) => page.EvaluateAsync<int>("""
        colour => {
          const canvas = document.getElementById("overlay");
          const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          const want = colour ? [...[1, 3, 5].map(i => parseInt(colour.slice(i, i + 2), 16)), OVERLAY[3]] : OVERLAY;
          const near = (a, b) => Math.abs(a - b) <= 2;
          let count = 0;
          for (let i = 0; i < data.length; i += 4)
            if (near(data[i], want[0]) && near(data[i + 1], want[1]) && near(data[i + 2], want[2]) && near(data[i + 3], want[3])) count++;
          return count;
        }
        """, colour);

    /// <summary>Chooses a file on the page and waits until it is drawn; fails with the page's own message if it says why not.</summary>
    public static async Task UploadAsync(IPage page, string file)
    {
        await page.Locator("body[data-state=ready]").WaitForAsync(new() { Timeout = 60_000 });
        await page.SetInputFilesAsync("#file", file);
        await page.Locator("body[data-state=done], body[data-state=error]").WaitForAsync(new() { Timeout = 60_000 });
        Assert.True(await page.GetAttributeAsync("body", "data-state") == "done", await page.TextContentAsync("#status"));
    }

    /// <summary>Where the screenshots go: beside the test assembly.</summary>
    public static string ScreenshotPath(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }
}
