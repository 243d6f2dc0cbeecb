using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace MLNet.UNet.Notebooks.Tests;

public class NotebookTests(ITestOutputHelper output)
{
    static string Root()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "MLNet.UNet.sln")))
                return folder.FullName;
        throw new DirectoryNotFoundException("The repository root (MLNet.UNet.sln) was not found above the test folder.");
    }

    static string Notebook(string name) => Path.Combine(Root(), "src", "Examples", "notebooks", name);

    // Packed there by this project's build (see its .csproj).
    static string PackageFeed => Path.Combine(Root(), "artifacts", "packages");

    [Fact]
    public async Task QuickStartRunsFromACleanStateAndShowsItsResults()
    {
        var run = await Run("QuickStart.ipynb");
        Assert.Contains(run.Outputs, o => o.Contains("MeanDice"));
        Assert.True(run.Outputs.Count(o => o.Contains("data:image/png;base64,")) >= 2, "the training curve and the overlay are shown as pictures");
        Assert.Contains(run.Outputs, o => o.Contains("predicts the same masks: True"));
        AssertCleanedUp(run);
    }

    [Fact]
    public async Task LiverMriRunsFromACleanStateAndShowsItsResults()
    {
        var run = await Run("LiverMri.ipynb");
        Assert.Contains(run.Outputs, o => o.Contains("Hd95Mm"));
        Assert.True(run.Outputs.Count(o => o.Contains("data:image/png;base64,")) >= 3, "slices, curve and overlays are shown as pictures");
        AssertCleanedUp(run);
    }

    [Fact]
    public async Task AbdomenMriRunsFromACleanStateAndShowsEachOrgan()
    {
        var run = await Run("AbdomenMri.ipynb");
        Assert.Contains(run.Outputs, o => o.Contains("Mean Dice over organs"));
        Assert.Contains(run.Outputs, o => o.Contains("DicePost"));
        Assert.Contains(run.Outputs, o => o.Contains("Validation Dice per organ"));
        Assert.True(run.Outputs.Count(o => o.Contains("data:image/png;base64,")) >= 3, "slices, curve and the colour overlay are shown as pictures");
        AssertCleanedUp(run);
    }

    // The last cell disposes the models and deletes the notebook's work folder, whose path it shows.
    static void AssertCleanedUp(NotebookRun run)
    {
        var match = run.Outputs.Select(o => Regex.Match(o, @"cleaned up: .*, (/\S+) deleted")).FirstOrDefault(m => m.Success);
        Assert.True(match is not null, "the clean-up cell did not report");
        Assert.False(Directory.Exists(match.Groups[1].Value), $"{match.Groups[1].Value} is still there");
    }

    async Task<NotebookRun> Run(string name)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = await NotebookRunner.RunAsync(Notebook(name), PackageFeed);
        output.WriteLine($"{name}: {run.CodeCells} code cells in {clock.Elapsed.TotalSeconds:F0} s");
        foreach (var line in run.Outputs.Where(o => !o.Contains("base64")))
            output.WriteLine(line.Length > 400 ? line[..400] + "..." : line);
        Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors));
        Assert.True(run.CodeCells >= 7, $"only {run.CodeCells} code cells ran");
        return run;
    }
}
