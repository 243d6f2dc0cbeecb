using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using MLNet.UNet.Cli.Inputs;
using MLNet.UNet.Evaluation;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Stress;
using MLNet.UNet.Medical.Slices;

namespace MLNet.UNet.Cli.Commands;

/// <summary><c>unet evaluate</c>: a model and labelled data to a metrics table and JSON.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var model = CommandOptions.Model();
        var testTimeFlips = CommandOptions.TestTimeFlips();
        var organ = CommandOptions.EnsembleOrgan();
        var images = CommandOptions.Images();
        var masks = CommandOptions.Masks();
        var volumes = CommandOptions.Volumes();
        var maxPixels = CommandOptions.MaxImagePixels();
        var json = new Option<FileInfo?>("--json") { Description = "Also write the metrics as JSON to this file." };
        var smoothSlices = CommandOptions.SmoothSlices();
        var threshold = CommandOptions.Threshold();
        var failOnWarning = CommandOptions.FailOnWarning();
        var surfaceRule = new Option<SurfaceRule>("--surface-rule")
        {
            Description = "Volumes: which voxels are a mask's surface for ASSD, MSSD and HD95: Chaos (the CHAOS challenge's evaluation, the default) or MedPy.",
            DefaultValueFactory = _ => SurfaceRule.Chaos,
        };
        var testTimeShifts = CommandOptions.TestTimeShifts();
        var stress = new Option<bool>("--stress")
        {
            Description = "Volumes: also score every patient under fixed intensity shifts (a darker liver, liver and spleen, gamma 0.5 and 2, " +
                "a strong bias field) and give the mean 3D Dice of each: a proxy for patients unlike the training ones.",
        };
        var command = new Command("evaluate", """
            Evaluate a model on labelled images (Dice and IoU per image) or volumes (3D metrics per patient). Volumes are
            also checked against the model's plausibility record, as by predict.

            Examples:
              unet evaluate --model model/model.zip --images data/test --json test-metrics.json
              unet evaluate --model liver/model.zip --volumes ../shared/data/chaos-mr-t2 --stress
              unet evaluate --model liver/model.zip --volumes ../shared/data/chaos-mr-t2 --smooth-slices 0   (no slice smoothing, whatever the model's default)
              unet evaluate --model liver/model.zip --volumes held-out --threshold 0.6   (another threshold than the zip's)
              unet evaluate --model cv/fold-1/model.zip --model cv/fold-2/model.zip --volumes held-out   # an ensemble
              unet evaluate --model liver/model.zip --model abdomen/model.zip --organ liver --volumes held-out
            """)
        { model, organ, testTimeFlips, testTimeShifts, images, masks, volumes, json, maxPixels, smoothSlices, threshold, failOnWarning, stress, surfaceRule };
        command.SetAction(result => environment.Run(() =>
        {
            if ((result.GetValue(images) is null) == (result.GetValue(volumes) is null))
                throw new ArgumentException("Give exactly one of --images and --volumes.");
            CommandOptions.RequireFilePath(result.GetValue(json), json);
            int? smoothingGiven = CommandOptions.CheckedSmoothing(result.GetValue(smoothSlices), result.GetValue(volumes) is not null);
            bool? shiftsGiven = CommandOptions.CheckedTestTimeShifts(result.GetValue(testTimeShifts), result.GetValue(volumes) is not null);
            var context = environment.CreateContext();
            var (transformer, loadedKind, _) = ModelKind.Load(context, result.GetValue(model)!, result.GetValue(testTimeFlips), result.GetValue(organ));
            // Disposing deletes the temporary copy of the ONNX model that ML.NET made while loading.
            using var loaded = transformer as IDisposable;
            var kind = CommandOptions.WithThreshold(environment.Output, result.GetValue(threshold), loadedKind);
            int smoothing = CommandOptions.Smoothing(environment.Output, smoothingGiven, kind, result.GetValue(volumes) is not null);
            bool shifts = CommandOptions.TestTimeShifts(environment.Output, shiftsGiven, kind, result.GetValue(volumes) is not null);
            object report;
            int exitCode = ExitCodes.Success;
            if (result.GetValue(stress) && result.GetValue(volumes) is null)
                throw new ArgumentException("--stress applies to --volumes only.");
            // A volume that cannot be read is reported once and left out (the stress test reads the folder again); the
            // others are scored, and the run then exits 1.
            var unreadable = new Dictionary<string, UnreadablePatient>();
            void Skip(UnreadablePatient patient)
            {
                if (unreadable.TryAdd(patient.PatientId, patient))
                    environment.Output.WriteLine($"{Path.GetFileName(patient.ImagePath)}: not evaluated: {patient.Error}");
            }
            if (result.GetValue(images) is { } folder)
            {
                if (!kind.TakesImageFiles)
                    throw new ArgumentException("This model was trained on volume slices; evaluate it with --volumes.");
                var pairs = ImagePairs.Find(folder.FullName, result.GetValue(masks)?.FullName, result.GetValue(maxPixels));
                // Scored on each image's own grid against its mask as drawn, not against a mask resized to the model's input.
                using var predictor = new NativeSizePredictor(context, transformer, kind);
                predictor.Predict(pairs[0].ImagePath); // ONNX Runtime's first run prepares the session; it is not what an image costs
                long scoringStart = Stopwatch.GetTimestamp();
                var perImage = pairs.Select(pair =>
                {
                    var prediction = predictor.Predict(pair.ImagePath);
                    var overlap = Overlap.Of(prediction.Mask, NativeSizePredictor.ReadMask(pair.MaskPath));
                    double pixelError = (double)(overlap.Predicted + overlap.True - 2 * overlap.Both) / prediction.Mask.Length;
                    return new { File = pair.ImagePath, overlap.Dice, overlap.IoU, PixelError = pixelError };
                }).ToList();
                double secondsPerImage = Stopwatch.GetElapsedTime(scoringStart).TotalSeconds / pairs.Count;
                double meanDice = perImage.Average(i => i.Dice), meanIoU = perImage.Average(i => i.IoU), meanPixelError = perImage.Average(i => i.PixelError);
                double diceSd = Math.Sqrt(perImage.Average(i => Math.Pow(i.Dice - meanDice, 2)));
                environment.Output.WriteLine("| image | Dice | IoU | pixel error |");
                environment.Output.WriteLine("|---|---|---|---|");
                foreach (var image in perImage)
                    environment.Output.WriteLine($"| {Path.GetFileName(image.File)} | {image.Dice:F4} | {image.IoU:F4} | {image.PixelError:F4} |");
                environment.Output.WriteLine($"| **mean ± sd** | {meanDice:F4} ± {diceSd:F4} | {meanIoU:F4} | {meanPixelError:F4} |");
                environment.Output.WriteLine($"{secondsPerImage * 1000:F0} ms per image (scoring and resizing back, after the first), {Environment.ProcessorCount} logical CPUs.");
                report = new { kind.Threshold, MeanDice = meanDice, DiceStandardDeviation = diceSd, MeanIoU = meanIoU, MeanPixelError = meanPixelError, SecondsPerImage = secondsPerImage, Images = perImage };
            }
            else if (kind.Organs is { } organs)
            {
                var patients = PatientVolume.EnumerateFolder(result.GetValue(volumes)!.FullName, onUnreadable: Skip);
                var organRecord = kind.OrganPlausibility;
                var segmenter = new OrganSegmenter(context, transformer, kind.SliceOptions(), organs, postProcess: true, smoothing, organRecord, kind.OutputShift, shifts);
                var (organReport, checkedCases) = segmenter.EvaluateCases(patients, result.GetValue(surfaceRule));
                environment.Output.WriteLine(organReport.ToTable());
                exitCode = CommandOptions.ReportWarnings(environment.Output, checkedCases.Select(c => (c.Id, c.Warnings)), result.GetValue(failOnWarning), organRecord is not null);
                IReadOnlyList<OrganStressResult>? stressResults = null;
                if (result.GetValue(stress))
                {
                    var unshifted = new OrganStressResult(StressTest.Unshifted, organReport, StressTest.Flagged(checkedCases.Select(c => (c.Id, c.Warnings))), []);
                    stressResults = StressTest.Run(segmenter, patients, surfaceRule: result.GetValue(surfaceRule), unshifted: unshifted);
                    environment.Output.WriteLine("Stress test (every patient under fixed intensity shifts; mean 3D Dice per organ, post-processed; the cases the plausibility check flags):");
                    environment.Output.WriteLine(StressTest.ToTable(stressResults));
                }
                report = new
                {
                    SmoothingRadius = smoothing, TestTimeShifts = shifts, SurfaceRule = result.GetValue(surfaceRule).ToString(), organReport.MeanDice, organReport.MeanDicePostProcessed,
                    Organs = organReport.Organs.Select(o => new { o.Organ, o.Report.Raw, o.Report.PostProcessed, o.Report.Patients }),
                    Plausibility = checkedCases.Select(c => new
                    {
                        Patient = c.Id, Organs = organs.Names.Zip(c.Statistics, (organ, s) => new { Organ = organ, s.VolumeMl, s.MeanConfidence }),
                        Implausible = c.Warnings.Count > 0, c.Warnings, c.ReorientedFrom, c.FieldOfViewMatched,
                    }),
                    Stress = stressResults is null ? null : StressTest.ToJsonRows(stressResults),
                    Unreadable = unreadable.Values,
                };
            }
            else
            {
                if (kind.TakesImageFiles)
                    throw new ArgumentException("This model takes image files; evaluate it with --images.");
                var patients = PatientVolume.EnumerateFolder(result.GetValue(volumes)!.FullName, onUnreadable: Skip);
                var scoring = kind.SegmenterOptions();
                (scoring.SmoothingRadius, scoring.PostProcess, scoring.TestTimeShifts) = (smoothing, true, shifts);
                var segmenter = new VolumeSegmenter(context, transformer, kind.SliceOptions(), scoring);
                // A one-organ model is scored against the label values it was trained on, or, in a vote, against the organ voted
                // on; zips saved before they recorded them are the liver's.
                var truth = kind.Foreground?.ToMapping() ?? LabelMapping.Liver;
                var (volumeReport, checkedCases) = segmenter.EvaluateCases(patients, truth, result.GetValue(surfaceRule));
                environment.Output.WriteLine(volumeReport.ToTable());
                IReadOnlyList<StressResult>? stressResults = null;
                if (result.GetValue(stress))
                {
                    var unshifted = new StressResult(StressTest.Unshifted, volumeReport, StressTest.Flagged(checkedCases.Select(s => (s.Id, s.Warnings))), []);
                    stressResults = StressTest.Run(segmenter, patients, labels: truth, surfaceRule: result.GetValue(surfaceRule), unshifted: unshifted);
                    environment.Output.WriteLine("Stress test (every patient under fixed intensity shifts; 3D Dice; the cases the plausibility check flags):");
                    environment.Output.WriteLine(StressTest.ToTable(stressResults));
                }
                exitCode = CommandOptions.ReportWarnings(environment.Output, checkedCases.Select(s => (s.Id, s.Warnings)), result.GetValue(failOnWarning), kind.Plausibility is not null);
                report = new
                {
                    kind.Threshold, SmoothingRadius = smoothing, TestTimeShifts = shifts, SurfaceRule = result.GetValue(surfaceRule).ToString(), volumeReport.Patients, volumeReport.Raw, volumeReport.PostProcessed,
                    Plausibility = checkedCases.Select(s => new { Patient = s.Id, s.Statistics.VolumeMl, s.Statistics.MeanConfidence, Implausible = s.Warnings.Count > 0, s.Warnings, s.ReorientedFrom, s.FieldOfViewMatched }),
                    Stress = stressResults is null ? null : StressTest.ToJsonRows(stressResults),
                    Unreadable = unreadable.Values,
                };
            }
            if (result.GetValue(json) is { } path)
            {
                AtomicFile.Write(path.FullName, stream => JsonSerializer.Serialize(stream, report,
                    new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
                environment.Output.WriteLine($"wrote {path.FullName}");
            }
            if (unreadable.Count > 0)
            {
                environment.Error.WriteLine($"error: {unreadable.Count} volume(s) could not be read ({string.Join(", ", unreadable.Values.Select(u => Path.GetFileName(u.ImagePath)))}; " +
                                            "the reasons are above and in the JSON); the figures above leave them out.");
                return ExitCodes.BadInput;
            }
            return exitCode;
        }));
        return command;
    }
}
