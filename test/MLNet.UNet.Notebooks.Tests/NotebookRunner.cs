using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace MLNet.UNet.Notebooks.Tests;

/// <summary>What one executed notebook produced.</summary>
internal sealed record NotebookRun(IReadOnlyList<string> Errors, IReadOnlyList<string> Outputs, int CodeCells);

/// <summary>
/// Executes a .NET Interactive (.ipynb) notebook headlessly in a C# kernel, cell by cell from a clean state, with the
/// notebook's folder as the working directory (as Jupyter does), and collects errors and outputs.
/// </summary>
internal static class NotebookRunner
{
    /// <param name="path">The notebook.</param>
    /// <param name="packageFeed">A local folder feed the kernel's package restores also search, as a notebook's
    /// <c>#i "nuget: folder"</c> line would make them (that line needs an absolute path, which differs per clone).</param>
    public static async Task<NotebookRun> RunAsync(string path, string packageFeed)
    {
        // The kernel restores with MSBuild in child processes, which read environment variables as properties.
        Environment.SetEnvironmentVariable("RestoreAdditionalProjectSources", packageFeed);
        var document = Notebook.Parse(await File.ReadAllTextAsync(path));
        var errors = new List<string>();
        var outputs = new List<string>();
        int cells = 0;
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            // As in Polyglot Notebooks: #r "nuget: ..." and #i "nuget: <source>" restore packages, whose assemblies the
            // kernel references and whose native libraries it resolves from the packages' runtimes folders.
            using var kernel = new CSharpKernel().UseKernelHelpers();
            kernel.UseNugetDirective((k, packages) =>
            {
                k.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                return Task.CompletedTask;
            });
            foreach (var cell in document.Elements.Where(e => e.KernelName is "csharp" or "C#" or null))
            {
                cells++;
                var result = await kernel.SubmitCodeAsync(cell.Contents);
                foreach (var e in result.Events)
                {
                    switch (e)
                    {
                        case CommandFailed failed:
                            errors.Add($"cell {cells}: {failed.Message}");
                            break;
                        case DisplayEvent display:
                            outputs.AddRange(display.FormattedValues.Select(v => v.Value));
                            break;
                    }
                }
                if (errors.Count > 0)
                    break;
            }
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
        return new NotebookRun(errors, outputs, cells);
    }
}
