using MLNet.UNet.Images;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using MLNet.UNet.Cli.Commands;
using MLNet.UNet.Training;
using Xunit.Abstractions;

namespace MLNet.UNet.Cli.Tests;

/// <summary>Kills, huge and odd images, damaged model files, and the numerics check, through the real tool.</summary>
public sealed class ToolRobustnessTests(ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-cli-robust-").FullName;

    string In(string name) => Path.Combine(folder, name);

    [Fact]
    public void KillingTrainingAtRandomMomentsNeverLeavesAPartialFileAndResumeFinishes()
    {
        SyntheticShapeImages.WritePngs(In("train"), 24, 32, 32, seed: 4);
        string[] arguments = ["train", "--images", In("train"), "--output", In("model"), "--epochs", "8", "--size", "32", "--depth", "2",
            "--base-filters", "8", "--batch-size", "4", "--augment", "none", "--weight-averaging", "0.9", "--dice", "batch",
            "--validation-dice", "pooled"];
        var random = new Random(7);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "unet.dll"));
            foreach (var argument in arguments.Append("--resume"))
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var checkpoint = In("model/checkpoint.ckpt");
            var deadline = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60))
                Thread.Sleep(10);
            Thread.Sleep(random.Next(0, 400));
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            output.WriteLine($"attempt {attempt}: killed after {deadline.Elapsed.TotalSeconds:F1} s");
            using (var trainer = UNetTrainer.LoadCheckpoint(checkpoint))
                Assert.InRange(trainer.History.Count, 1, 8);
            Assert.False(File.Exists(In("model/model.zip")) && new FileInfo(In("model/model.zip")).Length == 0);
        }
        var resumed = ToolRun.Of([.. arguments, "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("Resuming from", resumed.Output);
        Assert.Empty(Directory.GetFiles(In("model"), ".*.tmp*"));
        using var final = UNetTrainer.LoadCheckpoint(In("model/checkpoint.ckpt"));
        Assert.Equal(8, final.History.Count);
    }

    [Fact]
    public void AHugeImageIsRefusedBeforeItIsDecoded()
    {
        SyntheticShapeImages.WritePngs(In("images"), 2, 32, 32, seed: 1);
        var header = new byte[64];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R' }.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(16), 20000);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(20), 20000);
        File.WriteAllBytes(In("images/shape_001.png"), header);
        var run = ToolRun.Of("train", "--images", In("images"), "--output", In("out"), "--epochs", "1", "--size", "32", "--depth", "2");
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("is 20000 x 20000 pixels, above the limit", run.Error);
    }

    [Fact]
    public void OneByOneImagesArePredictedAtTheirOwnSize()
    {
        SyntheticShapeImages.WritePngs(In("train"), 16, 32, 32, seed: 2);
        var train = ToolRun.Of("train", "--images", In("train"), "--output", In("model"), "--epochs", "1", "--size", "32", "--depth", "2", "--base-filters", "4");
        Assert.True(train.ExitCode == 0, train.ToString());
        Directory.CreateDirectory(In("tiny"));
        GrayPng.Write(In("tiny/dot.png"), [0.5f], 1, 1, v => v);
        var predict = ToolRun.Of("predict", "--model", In("model/model.zip"), "--images", In("tiny"), "--output", In("pred"));
        Assert.True(predict.ExitCode == 0, predict.ToString());
        using var mask = Microsoft.ML.Data.MLImage.CreateFromFile(In("pred/dot_pred.png"));
        Assert.Equal((1, 1), (mask.Width, mask.Height));

        var modelBytes = File.ReadAllBytes(In("model/model.zip"));
        var random = new Random(5);
        var temporary = Directory.CreateDirectory(In("temporary")).FullName;
        for (int i = 0; i < 15; i++)
        {
            var damaged = (byte[])modelBytes.Clone();
            for (int flips = 0; flips < 8; flips++)
                damaged[random.Next(damaged.Length)] ^= (byte)(1 << random.Next(8));
            File.WriteAllBytes(In("damaged.zip"), damaged);
            var run = ToolRun.WithTemporaryRoot(temporary, "info", In("damaged.zip"));
            Assert.True(run.ExitCode is 0 or 1, run.ToString());
            Assert.Empty(Directory.GetFileSystemEntries(temporary));
        }
        File.WriteAllBytes(In("empty.zip"), []);
        Assert.Equal(1, ToolRun.Of("info", In("empty.zip")).ExitCode);
        var readOnly = ToolRun.Of("predict", "--model", In("model/model.zip"), "--images", In("tiny"), "--output", "/proc/unet-read-only-output");
        Assert.True(readOnly.ExitCode == 1, readOnly.ToString());
        Assert.Contains("cannot be written", readOnly.Error);
        File.WriteAllText(In("a-file"), "x");
        var intoFile = ToolRun.Of("predict", "--model", In("model/model.zip"), "--images", In("tiny"), "--output", In("a-file"));
        Assert.True(intoFile.ExitCode == 1, intoFile.ToString());
    }

    [Fact]
    public void GrayAndColourImagesCanBeMixed()
    {
        var pairs = SyntheticShapeImages.WritePngs(In("mixed"), 12, 32, 32, seed: 6);
        var pixels = new byte[32 * 32 * 4];
        new Random(1).NextBytes(pixels);
        for (int i = 3; i < pixels.Length; i += 4)
            pixels[i] = 255;
        using (var colour = Microsoft.ML.Data.MLImage.CreateFromPixels(32, 32, Microsoft.ML.Data.MLPixelFormat.Bgra32, pixels))
            colour.Save(pairs[0].ImagePath);
        foreach (var channels in new[] { "1", "3" })
        {
            var run = ToolRun.Of("train", "--images", In("mixed"), "--output", In("mixed-" + channels), "--epochs", "1", "--size", "32",
                "--depth", "2", "--base-filters", "4", "--channels", channels);
            Assert.True(run.ExitCode == 0, run.ToString());
        }
    }

    [Fact]
    public void DoctorChecksWhatTheEngineRunsAndKeepsTheConsoleClean()
    {
        // A child process, so that anything libtorch prints on the native stderr (NNPACK warnings) is seen.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "unet.dll"));
        start.ArgumentList.Add("doctor");
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{error.Result}");
        Assert.Contains("CPU: ", output);
        Assert.Contains("every route right", output);
        Assert.Contains("routes taken: OneDnn", output);
        // Raw oneDNN may be wrong on this processor ("oneDNN WRONG -> PaddedChannels right"); a route taken may not.
        Assert.DoesNotContain(output.Split('\n'), line => line.Contains(" -> ") && line[line.IndexOf(" -> ")..].Contains("WRONG"));
        Assert.Equal("", error.Result);
        Assert.DoesNotContain("NNPACK", output);
    }

    [Fact]
    public void DoctorShowsAndChecksAForcedRoute()
    {
        var run = ToolRun.Of("doctor", "--route", "Reference");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("forced to Reference", run.Output);
        Assert.Contains("Reference 148", run.Output);
        Assert.Null(MLNet.UNet.Runtime.TorchRuntime.ForcedConvolutionRoute); // restored after the command

        var bad = ToolRun.Of("doctor", "--route", "Fastest");
        Assert.NotEqual(0, bad.ExitCode);
    }

    [Fact]
    public void AModelWhoseOnnxIsGarbageLeavesNoTemporaryCopyBehind()
    {
        SyntheticShapeImages.WritePngs(In("train"), 8, 32, 32, seed: 3);
        var train = ToolRun.Of("train", "--images", In("train"), "--output", In("model"), "--epochs", "1", "--size", "32", "--depth", "2", "--base-filters", "4");
        Assert.True(train.ExitCode == 0, train.ToString());
        var garbage = In("garbage-onnx.zip");
        WriteWithOnnxOverwritten(In("model/model.zip"), File.ReadAllBytes(In("model/model.onnx")), garbage);
        var temporary = Directory.CreateDirectory(In("temporary")).FullName;
        var environment = new CliEnvironment(TextWriter.Null, TextWriter.Null, CancellationToken.None, temporary);
        int copies = -1;

        int code = environment.Run(() =>
        {
            var context = environment.CreateContext();
            try
            {
                ModelKind.Load(context, new FileInfo(garbage));
                return ExitCodes.Success;
            }
            finally
            {
                copies = Directory.GetFiles(context.TempFilePath).Length;
            }
        });

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.True(copies > 0, "ML.NET was expected to copy the model to the temporary folder before ONNX Runtime refused it.");
        Assert.Empty(Directory.GetFileSystemEntries(temporary));
        var run = ToolRun.WithTemporaryRoot(temporary, "info", garbage);
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(temporary));
    }

    // Copies a model zip with the first bytes of its embedded ONNX model overwritten: the zip and ML.NET's own framing
    // stay valid, so ML.NET writes the model out to a file before ONNX Runtime refuses to parse it.
    static void WriteWithOnnxOverwritten(string zip, byte[] onnx, string damagedZip)
    {
        File.Copy(zip, damagedZip);
        using var archive = ZipFile.Open(damagedZip, ZipArchiveMode.Update);
        foreach (var entry in archive.Entries.ToList())
        {
            byte[] content;
            using (var stream = entry.Open())
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                content = copy.ToArray();
            }
            int at = content.AsSpan().IndexOf(onnx);
            if (at < 0)
                continue;
            content.AsSpan(at, 64).Fill(0xFF);
            var name = entry.FullName;
            entry.Delete();
            using var replaced = archive.CreateEntry(name).Open();
            replaced.Write(content);
            return;
        }
        throw new InvalidOperationException($"'{zip}' does not embed the ONNX model.");
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
