using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using MLNet.UNet.Cli.Commands;
using MLNet.UNet.Images;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
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
        // Resumed runs of one training are killed while a checkpoint is written, between checkpoints, and at spread
        // moments of the final save; after each kill, every file the tool left must be whole. Child processes with
        // one libtorch thread, as --threads would stay set in this process.
        SyntheticShapeImages.WritePngs(In("train"), 24, 32, 32, seed: 4);
        string[] arguments = ["train", "--images", In("train"), "--output", In("model"), "--epochs", "8", "--size", "32", "--depth", "2",
            "--base-filters", "8", "--batch-size", "4", "--augment", "none", "--weight-averaging", "0.9", "--dice", "batch",
            "--validation-dice", "pooled", "--threads", "1", "--resume"];
        int finalSaveKills = 0;
        foreach (var moment in KillMoments)
        {
            var kill = KillAt(moment, arguments);
            output.WriteLine(kill.ToString());
            AssertEveryFileIsWhole($"after the kill {moment}");
            finalSaveKills += kill.InFinalSave ? 1 : 0;
        }
        Assert.True(finalSaveKills > 0, "No kill landed in the final save (the test output says where they landed).");

        var finished = ToolProcess.Run(In("tmp"), arguments);
        Assert.True(finished.ExitCode == 0, finished.ToString());
        Assert.Contains("Resuming from", finished.Output);
        Assert.Empty(Directory.GetFiles(In("model"), ".*.tmp*"));
        Assert.Equal(WrittenFiles.Order(), Directory.GetFiles(In("model")).Select(path => Path.GetFileName(path)).Order());
        AssertEveryFileIsWhole("after the run to the end");
        using var final = UNetTrainer.LoadCheckpoint(In("model/checkpoint.ckpt"));
        Assert.Equal(8, final.History.Count);
    }

    static readonly string[] WrittenFiles = ["training-data.json", "recipe.json", "checkpoint.ckpt", "model.zip", "model.onnx", "training-curve.png", "metrics.json"];

    static readonly string[] FinalSave = ["model.zip", "model.onnx", "training-curve.png", "metrics.json"];

    /// <summary>When to kill a run: <paramref name="Delay"/> milliseconds after it began to write <paramref name="File"/>.</summary>
    sealed record KillMoment(string File, int Delay)
    {
        public override string ToString() => $"{Delay} ms into the write of {File}";
    }

    // Each run resumes the one before. The kills aimed at checkpoints cost at most an epoch each, so the first kill
    // aimed at the final save kills a run that trained; the later ones kill runs that only save again (their
    // checkpoint holds all 8 epochs). Saving model.zip took 90-300 ms, the files after it a few ms each.
    static readonly KillMoment[] KillMoments =
    [
        new("checkpoint.ckpt", 0), new("checkpoint.ckpt", 0), new("checkpoint.ckpt", 40), new("checkpoint.ckpt", 0),
        new("model.zip", 0), new("model.zip", 50), new("model.onnx", 0), new("training-curve.png", 0), new("metrics.json", 0),
        new("model.zip", 150), new("model.zip", 300),
    ];

    /// <summary>Where a kill landed: the writes it interrupted (their temporaries were left), and whether the final save had begun.</summary>
    sealed record Kill(KillMoment Moment, bool RunHadFinished, string[] Interrupted, bool InFinalSave)
    {
        public override string ToString() => $"killed {Moment}: " + (RunHadFinished
            ? "the run had already finished"
            : $"writes in progress: {(Interrupted.Length > 0 ? string.Join(", ", Interrupted) : "none")}" + (InFinalSave ? "; in the final save" : ""));
    }

    Kill KillAt(KillMoment moment, string[] arguments)
    {
        var started = DateTime.UtcNow;
        using var tool = ToolProcess.Start(In("tmp"), arguments);
        var clock = Stopwatch.StartNew();
        while (!tool.HasExited && !Writing(moment.File, tool.Id, started))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"The moment {moment} did not come within a minute.");
            Thread.Sleep(1);
        }
        Thread.Sleep(moment.Delay);
        bool finished = tool.HasExited;
        tool.Kill();
        var interrupted = FilesBeingWritten(tool.Id);
        bool finalSave = interrupted.Any(FinalSave.Contains) || WrittenSince("model.zip", started) && !WrittenSince("metrics.json", started);
        return new Kill(moment, finished, interrupted, !finished && finalSave);
    }

    // The run has begun to write the file: a temporary of it is there, or the file itself changed (a write too quick
    // to be seen in progress, or a write in place, which this test is there to catch).
    bool Writing(string file, int processId, DateTime since) => FilesBeingWritten(processId).Contains(file) || WrittenSince(file, since);

    // The files whose temporaries a process left (a run starts by removing those of dead ones): AtomicFile writes
    // <name><extension> as .<name>.<process id>.<guid>.tmp<extension>.
    string[] FilesBeingWritten(int processId) =>
    [
        .. from path in Directory.Exists(In("model")) ? Directory.GetFiles(In("model"), ".*.tmp*") : []
           let match = Regex.Match(Path.GetFileName(path), @"^\.(?<name>.+)\.(?<process>\d+)\.[0-9a-f]{32}\.tmp(?<extension>.*)$")
           where match.Success && match.Groups["process"].Value == processId.ToString(CultureInfo.InvariantCulture)
           select match.Groups["name"].Value + match.Groups["extension"].Value,
    ];

    bool WrittenSince(string name, DateTime time) => File.Exists(In($"model/{name}")) && File.GetLastWriteTimeUtc(In($"model/{name}")) >= time;

    void AssertEveryFileIsWhole(string when)
    {
        foreach (var path in Directory.GetFiles(In("model")).Except(Directory.GetFiles(In("model"), ".*.tmp*")))
        {
            try
            {
                Read(path);
            }
            catch (Exception e)
            {
                Assert.Fail($"{Path.GetFileName(path)} is not whole {when}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    // Reads a file of the tool with what reads it; a cut file throws.
    void Read(string path)
    {
        switch (Path.GetFileName(path))
        {
            case "checkpoint.ckpt":
                UNetTrainer.LoadCheckpoint(path).Dispose();
                break;
            case "model.zip":
                var context = new MLContext { TempFilePath = Directory.CreateDirectory(In("scratch")).FullName };
                (context.Model.Load(path, out _) as IDisposable)?.Dispose();
                break;
            case "model.onnx":
                new InferenceSession(path).Dispose();
                break;
            case "metrics.json" or "training-data.json" or "recipe.json":
                JsonDocument.Parse(File.ReadAllBytes(path)).Dispose();
                break;
            case "training-curve.png":
                MLImage.CreateFromFile(path).Dispose();
                // A decoder may show the first rows of a cut PNG; the IEND chunk at the end shows that it is whole.
                if (!File.ReadAllBytes(path).AsSpan().EndsWith(PngEnd))
                    throw new InvalidDataException("it does not end with the IEND chunk");
                break;
            default:
                throw new InvalidDataException("the tool writes no such file");
        }
    }

    static readonly byte[] PngEnd = [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];

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
        // Predicted into the input folder twice: what the first run wrote is not an input of the second.
        for (int run = 0; run < 2; run++)
        {
            var inPlace = ToolRun.Of("predict", "--model", In("model/model.zip"), "--images", In("tiny"), "--output", In("tiny"), "--overlay");
            Assert.True(inPlace.ExitCode == 0, inPlace.ToString());
            Assert.Contains("wrote 1 predictions", inPlace.Output);
        }
        Assert.Equal(["dot.png", "dot_overlay.png", "dot_pred.png"], Directory.GetFiles(In("tiny")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // Two images of one name would write one mask: refused before anything is written.
        Directory.CreateDirectory(In("clash"));
        File.Copy(In("tiny/dot.png"), In("clash/dot.png"));
        File.Copy(In("tiny/dot.png"), In("clash/dot.jpg"));
        var clash = ToolRun.Of("predict", "--model", In("model/model.zip"), "--images", In("clash"), "--output", In("pred-clash"));
        Assert.True(clash.ExitCode == 1, clash.ToString());
        Assert.Contains("dot.jpg and dot.png would both be written to dot_pred.png", clash.Error);
        Assert.Empty(Directory.GetFiles(In("pred-clash")));

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
        var run = ToolProcess.Run(In("tmp"), "doctor");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("CPU: ", run.Output);
        Assert.Contains("every route right", run.Output);
        Assert.Contains("1 input channel to 1-32", run.Output);
        Assert.Contains("routes taken: OneDnn", run.Output);
        // Raw oneDNN may be wrong on this processor ("oneDNN WRONG -> PaddedChannels right"); a route taken may not.
        Assert.DoesNotContain(run.Output.Split('\n'), line => line.Contains(" -> ") && line[line.IndexOf(" -> ")..].Contains("WRONG"));
        Assert.Equal("", run.Error);
        Assert.DoesNotContain("NNPACK", run.Output);
    }

    [Fact]
    public void DoctorShowsAndChecksAForcedRoute()
    {
        var run = ToolRun.Of("doctor", "--route", "Reference");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("forced to Reference", run.Output);
        var total = System.Text.RegularExpressions.Regex.Match(run.Output, @"(\d+) convolution shapes");
        Assert.True(total.Success, run.Output);
        Assert.Contains($"routes taken: OneDnn 0, PaddedChannels 0, Reference {total.Groups[1].Value};", run.Output);
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
