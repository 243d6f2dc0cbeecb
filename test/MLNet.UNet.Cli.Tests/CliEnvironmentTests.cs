namespace MLNet.UNet.Cli.Tests;

/// <summary>The temporary folder each command gets for its contexts, deleted when the command ends however it ends.</summary>
public sealed class CliEnvironmentTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("unet-cli-environment-").FullName;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheTemporaryFilesOfACommandsContextsAreDeletedWhenItEnds(bool fails)
    {
        var error = new StringWriter();
        var environment = new CliEnvironment(TextWriter.Null, error, CancellationToken.None, root);
        string? seen = null;
        bool madeBeforeUse = true;

        int code = environment.Run(() =>
        {
            var first = environment.CreateContext(seed: 1);
            var second = environment.CreateContext();
            Assert.Equal(first.TempFilePath, second.TempFilePath);
            Assert.Equal(root, Path.GetDirectoryName(first.TempFilePath));
            seen = first.TempFilePath;
            madeBeforeUse = Directory.Exists(seen);
            Directory.CreateDirectory(seen);
            File.WriteAllText(Path.Combine(seen, "left-by-a-failed-load.tmp"), "model");
            return fails ? throw new InvalidDataException("damaged model") : ExitCodes.Success;
        });

        // An assertion that fails inside the body is reported by Run as a failure (exit code 2) on the error writer.
        Assert.True(code == (fails ? ExitCodes.BadInput : ExitCodes.Success), $"exit {code}: {error}");
        Assert.NotNull(seen);
        Assert.False(madeBeforeUse, "The folder is to be made only by what writes into it.");
        Assert.False(Directory.Exists(seen));
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
