using System.CommandLine;
using MLNet.UNet.Cli.Inputs;
using MLNet.UNet.Images;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.PostProcessing;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Visualization;
using Microsoft.ML;

namespace MLNet.UNet.Cli.Commands;

/// <summary><c>unet predict</c>: a model and images or volumes to masks.</summary>
internal static class PredictCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var model = CommandOptions.Model();
        var testTimeFlips = CommandOptions.TestTimeFlips();
        var organ = CommandOptions.EnsembleOrgan();
        var images = CommandOptions.Images();
        var volumes = CommandOptions.Volumes(labelled: false);
        var output = CommandOptions.Output("predictions");
        var overlay = new Option<bool>("--overlay") { Description = "Also write an overlay PNG per image (predicted contour in red)." };
        var maxPixels = CommandOptions.MaxImagePixels();
        var postProcess = new Option<bool>("--post-process") { Description = "Volumes: keep the largest 3D component and fill holes." };
        var smoothSlices = CommandOptions.SmoothSlices();
        var threshold = CommandOptions.Threshold();
        var testTimeShifts = CommandOptions.TestTimeShifts();
        var failOnWarning = CommandOptions.FailOnWarning();
        var command = new Command("predict", """
            Predict masks: PNGs the size of each input image (<name>_pred.png; files named *_mask, *_pred or *_overlay
            are not inputs), or NIfTI label volumes (uint8, 0/1) in the input's space.
            Volumes: each prediction is checked against the model's plausibility record (organ volumes and confidence
            seen in training); an implausible one gets a warning line and is marked in predictions.json. With the
            training volumes' geometry in the record, a volume stored another way is turned to their axes, and slices
            much wider than theirs are scored in a window of their width around the body (ReorientedFrom and
            FieldOfViewMatched in predictions.json).

            Examples:
              unet predict --model model/model.zip --images data/new --output masks --overlay
              unet predict --model liver/model.zip --volumes scans --output labels --post-process --smooth-slices 0   (no slice smoothing, whatever the model's default)
              unet predict --model liver/model.zip --model abdomen/model.zip --organ liver --volumes scans --output labels
            """)
        { model, organ, testTimeFlips, testTimeShifts, images, volumes, output, overlay, postProcess, smoothSlices, threshold, maxPixels, failOnWarning };
        command.SetAction(result => environment.Run(() =>
        {
            if ((result.GetValue(images) is null) == (result.GetValue(volumes) is null))
                throw new ArgumentException("Give exactly one of --images and --volumes.");
            CommandOptions.RequireExisting(result.GetValue(images), images);
            CommandOptions.RequireExisting(result.GetValue(volumes), volumes);
            int? smoothingGiven = CommandOptions.CheckedSmoothing(result.GetValue(smoothSlices), result.GetValue(volumes) is not null);
            bool? shiftsGiven = CommandOptions.CheckedTestTimeShifts(result.GetValue(testTimeShifts), result.GetValue(volumes) is not null);
            var context = environment.CreateContext();
            var (transformer, loadedKind, _) = ModelKind.Load(context, result.GetValue(model)!, result.GetValue(testTimeFlips), result.GetValue(organ));
            // Disposing deletes the temporary copy of the ONNX model that ML.NET made while loading.
            using var loaded = transformer as IDisposable;
            var kind = CommandOptions.WithThreshold(environment.Output, result.GetValue(threshold), loadedKind);
            int smoothing = CommandOptions.Smoothing(environment.Output, smoothingGiven, kind, result.GetValue(volumes) is not null);
            bool shifts = CommandOptions.TestTimeShifts(environment.Output, shiftsGiven, kind, result.GetValue(volumes) is not null);
            var folder = result.GetValue(output)!;
            CommandOptions.EnsureFolder(folder);
            if (result.GetValue(images) is { } imageFolder)
            {
                int written = Images(context, transformer, kind, imageFolder, folder, result.GetValue(overlay), result.GetValue(maxPixels));
                environment.Output.WriteLine($"wrote {written} predictions to {folder.FullName}");
                return ExitCodes.Success;
            }
            if (kind.Organs is { } organs)
            {
                var organRecord = kind.OrganPlausibility;
                var organSegmenter = new OrganSegmenter(context, transformer, kind.SliceOptions(), organs, result.GetValue(postProcess), smoothing, organRecord, kind.OutputShift, shifts);
                var (organCases, organFailures) = Organs(organSegmenter, organs, kind, result.GetValue(volumes)!, folder, environment.Output, smoothing, shifts);
                environment.Output.WriteLine($"wrote {organCases.Count} label maps ({organs}) and predictions.json to {folder.FullName}");
                return WorstOf(CommandOptions.ReportWarnings(environment.Output, organCases.Select(c => (c.Id, c.Warnings)), result.GetValue(failOnWarning), organRecord is not null),
                    organFailures, organCases.Count, environment.Error);
            }
            var scoring = kind.SegmenterOptions();
            (scoring.SmoothingRadius, scoring.PostProcess, scoring.TestTimeShifts) = (smoothing, result.GetValue(postProcess), shifts);
            var segmenter = new VolumeSegmenter(context, transformer, kind.SliceOptions(), scoring);
            var (cases, failures) = Volumes(segmenter, kind, result.GetValue(volumes)!, folder, environment.Output, smoothing, shifts);
            environment.Output.WriteLine($"wrote {cases.Count} predictions and predictions.json to {folder.FullName}");
            return WorstOf(CommandOptions.ReportWarnings(environment.Output, cases.Select(c => (c.Id, c.Warnings)), result.GetValue(failOnWarning), kind.Plausibility is not null),
                failures, cases.Count, environment.Error);
        }));
        return command;
    }

    static int Images(MLContext context, ITransformer model, ModelKind kind, DirectoryInfo input, DirectoryInfo output, bool overlay, long maxPixels)
    {
        if (!kind.TakesImageFiles)
            throw new ArgumentException("This model was trained on volume slices; predict with --volumes.");
        // Two images that would write one mask are refused before anything is written.
        var paths = ImagePairs.Images(input.FullName);
        if (paths.GroupBy(Path.GetFileNameWithoutExtension, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } clash)
            throw new ArgumentException(
                $"{string.Join(" and ", clash.Select(Path.GetFileName))} would both be written to {clash.Key}_pred.png; keep one of them in '{input.FullName}'.");
        foreach (var path in paths)
            ImageDimensions.CheckSize(path, maxPixels);
        using var predictor = new NativeSizePredictor(context, model, kind);
        foreach (var path in paths)
        {
            var prediction = predictor.Predict(path);
            var name = Path.GetFileNameWithoutExtension(path);
            GrayPng.Write(Path.Combine(output.FullName, name + "_pred.png"), Array.ConvertAll(prediction.Mask, m => m ? 1f : 0f), prediction.Height, prediction.Width, v => v);
            if (overlay)
                OverlayImage.Write(Path.Combine(output.FullName, name + "_overlay.png"),
                    [new OverlayTile(NativeSizePredictor.ReadBrightness(path), null, Array.ConvertAll(prediction.Mask, m => m ? 1f : 0f))], prediction.Height, prediction.Width);
        }
        return paths.Count;
    }

    static (List<OrganCase> Cases, List<FailedCase> Failures) Organs(OrganSegmenter segmenter, OrganLabels organs, ModelKind kind, DirectoryInfo input,
        DirectoryInfo output, TextWriter log, int smoothing, bool shifts)
    {
        var failures = new List<FailedCase>();
        var cases = Segmented(VolumeFiles(kind, input, output), log, failures, file => segmenter.SegmentFile(file.Image.FullName, file.MaskPath).ToCase(),
            c => string.Join(", ", organs.Names.Zip(c.Statistics, (organ, s) => FormattableString.Invariant($"{organ} {s.VolumeMl:F0} ml"))) + Adapted(c.ReorientedFrom, c.FieldOfViewMatched));
        var summary = cases.Select(c => (object)new
        {
            Case = c.Case.Id, c.Map, SmoothingRadius = smoothing, TestTimeShifts = shifts,
            Organs = organs.Names.Zip(c.Case.Statistics, (organ, s) => new { Organ = organ, s.VolumeMl, s.LargestSliceMl, s.LargestSliceCm2, s.MeanConfidence }),
            Implausible = c.Case.Warnings.Count > 0, c.Case.Warnings, c.Case.ReorientedFrom, c.Case.FieldOfViewMatched,
        });
        WriteSummary(output, summary.Concat(failures));
        return ([.. cases.Select(c => c.Case)], failures);
    }

    // How the volume was shown to the network as the training volumes were (turned to their axes, windowed to their
    // width); its map is on its own grid either way.
    static string Adapted(string? storedAs, string? fieldOfView) =>
        (storedAs is null ? "" : $"; stored {storedAs}, turned to the training volumes' axes to be scored") + (fieldOfView is null ? "" : $"; {fieldOfView}");

    static void WriteSummary<T>(DirectoryInfo output, IEnumerable<T> summary) =>
        AtomicFile.Write(Path.Combine(output.FullName, "predictions.json"), stream => System.Text.Json.JsonSerializer.Serialize(stream, summary,
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));

    /// <summary>A volume that could not be segmented: its case, its file and why, as predictions.json lists it.</summary>
    sealed record FailedCase(string Case, string Image, string Error);

    // One line per volume as it is written, so that a long folder shows its progress. Only the case's measures are kept
    // (segment returns them without the voxels): a folder of any size takes the memory of one volume. A volume that
    // cannot be read (damaged, truncated, not NIfTI) is reported and skipped: the others are still segmented.
    static List<(string Map, T Case)> Segmented<T>(List<(FileInfo Image, string MaskPath)> files, TextWriter log, List<FailedCase> failures,
        Func<(FileInfo Image, string MaskPath), T> segment, Func<T, string> describe)
    {
        var cases = new List<(string Map, T Case)>();
        foreach (var file in files)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            T segmented;
            try
            {
                segmented = segment(file);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
            {
                // The volume's own content: a failure to write the label map (disk full, no permission) stops the run.
                log.WriteLine($"{file.Image.Name}: not segmented: {e.Message}");
                failures.Add(new FailedCase(NiftiReader.CaseName(file.Image.Name), file.Image.Name, e.Message));
                continue;
            }
            log.WriteLine(FormattableString.Invariant($"{Path.GetFileName(file.MaskPath)}: {describe(segmented)} ({clock.Elapsed.TotalSeconds:F1} s)"));
            cases.Add((Path.GetFileName(file.MaskPath), segmented));
        }
        return cases;
    }

    // Volumes that could not be segmented make the run a failure of bad input (exit code 1), after the others were written.
    static int WorstOf(int exitCode, List<FailedCase> failures, int segmented, TextWriter error)
    {
        if (failures.Count == 0)
            return exitCode;
        error.WriteLine($"error: {failures.Count} of {failures.Count + segmented} volumes could not be segmented ({string.Join(", ", failures.Select(f => f.Image))}; " +
                        "the reasons are above and in predictions.json).");
        return ExitCodes.BadInput;
    }

    // Each image with the label map it is predicted to, pred_<id>.nii.gz for image_<id>.nii(.gz) or <id>.nii(.gz); two
    // images that would write the same map are refused before anything is written.
    static List<(FileInfo Image, string MaskPath)> VolumeFiles(ModelKind kind, DirectoryInfo input, DirectoryInfo output)
    {
        if (kind.TakesImageFiles)
            throw new ArgumentException("This model takes image files; predict with --images.");
        if (!input.Exists)
            throw new DirectoryNotFoundException($"Volume folder '{input.FullName}' does not exist.");
        var files = input.EnumerateFiles("*.nii*")
            .Where(f => !f.Name.StartsWith("label_", StringComparison.OrdinalIgnoreCase) && f.Name.Contains(".nii", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => (Image: f, MaskPath: Path.Combine(output.FullName, $"pred_{CaseId(f.Name)}.nii.gz"))).ToList();
        if (files.Count == 0)
            throw new InvalidDataException($"Volume folder '{input.FullName}' holds no .nii or .nii.gz images.");
        if (files.GroupBy(f => f.MaskPath).FirstOrDefault(g => g.Count() > 1) is { } clash)
            throw new ArgumentException(
                $"{string.Join(" and ", clash.Select(f => f.Image.Name))} would both be written to {Path.GetFileName(clash.Key)}; keep one of them in '{input.FullName}'.");
        return files;
    }

    static string CaseId(string fileName)
    {
        var id = NiftiReader.CaseName(fileName);
        return id.StartsWith("image_", StringComparison.OrdinalIgnoreCase) ? id["image_".Length..] : id;
    }

    static (List<VolumeCase> Cases, List<FailedCase> Failures) Volumes(VolumeSegmenter segmenter, ModelKind kind, DirectoryInfo input, DirectoryInfo output,
        TextWriter log, int smoothing, bool shifts)
    {
        var failures = new List<FailedCase>();
        var cases = Segmented(VolumeFiles(kind, input, output), log, failures, file => segmenter.SegmentFile(file.Image.FullName, file.MaskPath).ToCase(),
            c => FormattableString.Invariant($"{c.Statistics.VolumeMl:F0} ml") + Adapted(c.ReorientedFrom, c.FieldOfViewMatched));
        var summary = cases.Select(c => (object)new
        {
            Case = c.Case.Id, c.Map, SmoothingRadius = smoothing, TestTimeShifts = shifts, c.Case.Statistics.VolumeMl, c.Case.Statistics.LargestSliceMl,
            c.Case.Statistics.LargestSliceCm2, c.Case.Statistics.MeanConfidence,
            Implausible = c.Case.Warnings.Count > 0, c.Case.Warnings, c.Case.ReorientedFrom, c.Case.FieldOfViewMatched,
        });
        WriteSummary(output, summary.Concat(failures));
        return ([.. cases.Select(c => c.Case)], failures);
    }
}
