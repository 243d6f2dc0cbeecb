using System.CommandLine;
using System.Text.Json;
using Microsoft.ML;
using MLNet.UNet.Cli.Inputs;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Slices;

namespace MLNet.UNet.Cli.Commands;

/// <summary><c>unet evaluate</c>: a model and labelled data to a metrics table and JSON.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var model = CommandOptions.Model();
        var images = CommandOptions.Images();
        var masks = CommandOptions.Masks();
        var volumes = CommandOptions.Volumes();
        var maxPixels = CommandOptions.MaxImagePixels();
        var json = new Option<FileInfo?>("--json") { Description = "Also write the metrics as JSON to this file." };
        var smoothSlices = CommandOptions.SmoothSlices();
        var command = new Command("evaluate", """
            Evaluate a model on labelled images (Dice and IoU per image) or volumes (3D metrics per patient).

            Examples:
              unet evaluate --model model/model.zip --images data/test --json test-metrics.json
              unet evaluate --model liver/model.zip --volumes ../shared/data/chaos-mr-t2 --smooth-slices 1
            """)
        { model, images, masks, volumes, json, maxPixels, smoothSlices };
        command.SetAction(result => environment.Run(() =>
        {
            if ((result.GetValue(images) is null) == (result.GetValue(volumes) is null))
                throw new ArgumentException("Give exactly one of --images and --volumes.");
            int smoothing = CommandOptions.CheckedSmoothing(result.GetValue(smoothSlices), result.GetValue(volumes) is not null);
            var context = environment.CreateContext();
            var (transformer, kind, _) = ModelKind.Load(context, result.GetValue(model)!);
            // Disposing deletes the temporary copy of the ONNX model that ML.NET made while loading.
            using var loaded = transformer as IDisposable;
            object report;
            if (result.GetValue(images) is { } folder)
            {
                if (!kind.TakesImageFiles)
                    throw new ArgumentException("This model was trained on volume slices; evaluate it with --volumes.");
                var pairs = ImagePairs.Find(folder.FullName, result.GetValue(masks)?.FullName, result.GetValue(maxPixels));
                var files = context.Data.LoadFromEnumerable(pairs.Select(p => new ImageRow { ImagePath = p.ImagePath, MaskPath = p.MaskPath }).ToList());
                var metrics = context.Segmentation().Evaluate(transformer.Transform(ImagePipeline.WithLabels(context, files, kind.Size)));
                environment.Output.WriteLine("| image | Dice | IoU |");
                environment.Output.WriteLine("|---|---|---|");
                foreach (var image in metrics.PerImage)
                    environment.Output.WriteLine($"| {Path.GetFileName(pairs[image.Row].ImagePath)} | {image.Dice:F4} | {image.IoU:F4} |");
                environment.Output.WriteLine($"| **mean ± sd** | {metrics.MeanDice:F4} ± {metrics.DiceStandardDeviation:F4} | {metrics.MeanIoU:F4} |");
                report = new { metrics.MeanDice, metrics.DiceStandardDeviation, metrics.MeanIoU, Images = metrics.PerImage.Select(i => new { File = pairs[i.Row].ImagePath, i.Dice, i.IoU }) };
            }
            else
            {
                if (kind.TakesImageFiles)
                    throw new ArgumentException("This model takes image files; evaluate it with --images.");
                var patients = PatientVolume.ReadFolder(result.GetValue(volumes)!.FullName);
                var slices = SliceLoader.Load(context, patients, kind.SliceOptions());
                var volumeReport = context.Segmentation().EvaluateVolumes(transformer.Transform(slices), patients, smoothingRadius: smoothing);
                environment.Output.WriteLine(volumeReport.ToTable());
                report = new { SmoothingRadius = smoothing, volumeReport.Patients, volumeReport.Raw, volumeReport.PostProcessed };
            }
            if (result.GetValue(json) is { } path)
            {
                AtomicFile.Write(path.FullName, stream => JsonSerializer.Serialize(stream, report,
                    new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
                environment.Output.WriteLine($"wrote {path.FullName}");
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
