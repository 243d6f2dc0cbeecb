using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Export;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Threshold;
using MLNet.UNet.Recipes;
using MLNet.UNet.Training;

namespace MLNet.UNet.Cli.Commands;

/// <summary><c>unet export</c>: a training checkpoint to an ONNX model and an ML.NET zip.</summary>
internal static class ExportCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "A checkpoint written by 'unet train'.", Required = true };
        var output = CommandOptions.Output("export");
        var size = new Option<int?>("--size")
        {
            Description = "Input height and width fixed in the exported model. Default: the size the network was trained at, from the recipe.json " +
                          "that 'unet train' wrote beside the checkpoint.",
        };
        var threshold = new Option<float>("--threshold") { Description = "Threshold of the PredictedMask column in the zip (one-class networks).", DefaultValueFactory = _ => 0.5f };
        var labels = new Option<string?>("--labels")
        {
            Description = "For a network of several classes: its organs in class order with their label values, as 'unet train --labels' was given " +
                "(e.g. liver=1,kidney-right=2,kidney-left=3,spleen=4), saved in the zip so that 'unet predict/evaluate --volumes' and the service segment them.",
        };
        var smoothSlices = new Option<int?>("--smooth-slices")
        {
            Description = "The slice smoothing the zip segments volumes with by default (neighbour slices on each side; 0 for none). " +
                "Default: the recipe's, from the recipe.json that 'unet train' wrote beside the checkpoint; none without one.",
        };
        var weights = new Option<string>("--weights")
        {
            Description = "best: the epoch training kept (the best validation epoch, when the checkpoint has one; else the last); last: the weights " +
                          "training ended with (their moving average, when training averaged them), as a run that keeps no best epoch ends.",
            DefaultValueFactory = _ => "best",
        };
        weights.AcceptOnlyFromAmong("best", "last");
        var command = new Command("export", """
            Export a checkpoint (the weights its run's zip holds: the best epoch's, if it has one, else those training
            ended with; --weights last takes the latter) as model.onnx and as an ML.NET model.zip that takes a
            Features column (C x size x size floats) and writes Probability and PredictedMask; a network of several
            classes writes Probability and PredictedLabel, the class of each pixel (ArgMax). A checkpoint holds no organ
            names: give them with --labels, as they were given to 'unet train --labels', for the zip to segment volumes.
            The zip keeps the recipe's slice smoothing (read from the recipe.json beside the checkpoint) unless
            --smooth-slices says otherwise, its test-time shifts (the recipe.json is not read when both --size and
            --smooth-slices are given), and the output shift that training stored in the model.zip beside the
            checkpoint (where the network learned its labels). It keeps that zip's plausibility record (with the
            training volumes' orientation and field of view) when it scores volumes as that zip does: the same kind
            of model and organs, slice smoothing, threshold, test-time shifts and weights; else it holds none.

            Examples:
              unet export --checkpoint model/checkpoint.ckpt --size 128 --output exported
              unet export --checkpoint abdomen/checkpoint.ckpt --labels liver=1,kidney-right=2,kidney-left=3,spleen=4 --output exported
            """)
        { checkpoint, output, size, threshold, labels, smoothSlices, weights };
        command.SetAction(result => environment.Run(() =>
        {
            var file = result.GetValue(checkpoint)!;
            if (!file.Exists)
                throw new FileNotFoundException($"--checkpoint: '{file.FullName}' does not exist.");
            var organs = result.GetValue(labels) is { } text ? CommandOptions.ParseLabels(text) : null;
            var givenSmoothing = CommandOptions.CheckedSmoothing(result.GetValue(smoothSlices), volumes: true);
            var recipe = result.GetValue(size) is null || givenSmoothing is null ? RecipeBeside(file, result.GetValue(size) is null) : null;
            var (smoothing, smoothingSource) = SmoothingOf(recipe, givenSmoothing);
            var shift = ShiftBeside(file);
            var shiftsDefault = recipe?.Recipe.TestTimeShifts == true ? new TestTimeShiftsDefault(true) : null;
            using var trainer = UNetTrainer.LoadCheckpoint(file.FullName);
            // A run that kept no best epoch (a fold of a cross-validation, a run without validation patients) ended with the
            // average of the weights, and its zip holds those: so does the export.
            int trainedEpoch = trainer.BestEpoch > 0 && trainer.Options.KeepBestModel ? trainer.BestEpoch : trainer.History.Count;
            bool best = result.GetValue(weights) == "best" && trainer.UseBestWeights();
            if (!best)
                trainer.UseLastWeights();
            int exportedEpoch = best ? trainer.BestEpoch : trainer.History.Count;
            int side = result.GetValue(size) ?? recipe!.Value.Recipe.ImageSize;
            var network = trainer.Network.Options;
            if (organs is not null && organs.ClassCount != network.OutputClasses)
                throw new ArgumentException(network.OutputClasses == 1
                    ? "--labels names organs of a network of several classes; this checkpoint's network has one output (a one-organ model)."
                    : $"--labels names {organs.Organs.Count} organ(s) ({organs}), but the checkpoint's network has {network.OutputClasses} classes: " +
                      $"give {network.OutputClasses - 1} organs, one per class after the background, in the order 'unet train --labels' had them.");
            // Both checked before anything is written.
            var context = environment.CreateContext();
            IEstimator<ITransformer> mask = network.OutputClasses > 1
                ? context.Segmentation().ArgMax("PredictedLabel", "Probability")
                : CommandOptions.Flagged("--threshold", () => context.Segmentation().Threshold("PredictedMask", "Probability", result.GetValue(threshold)));
            var onnx = CommandOptions.Flagged(result.GetValue(size) is null ? $"the trained size in {recipe!.Value.Path}" : "--size", () => OnnxExporter.Export(trainer.Network, new OnnxExportOptions
            {
                InputName = "Features", OutputName = "Probability", Height = side, Width = side,
            }));
            var beside = PlausibilityBeside(file, organs, network.OutputClasses, smoothing?.Radius ?? 0, network.OutputClasses > 1 ? null : result.GetValue(threshold),
                shiftsDefault is not null);
            // The record beside measures the masks of the epoch training kept.
            var (record, recordNote) = beside.WriteInto is null || exportedEpoch == trainedEpoch ? beside
                : (null, $"no plausibility record stored: the {VolumeTraining.ModelFile} beside the checkpoint measured the masks of epoch {trainedEpoch}, not {exportedEpoch}");
            var folder = result.GetValue(output)!;
            CommandOptions.EnsureFolder(folder);
            var onnxPath = Path.Combine(folder.FullName, "model.onnx");
            AtomicFile.Write(onnxPath, stream => stream.Write(onnx));

            var schema = SchemaDefinition.Create(typeof(FeaturesRow));
            schema[nameof(FeaturesRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, network.InputChannels, side, side);
            var empty = context.Data.LoadFromEnumerable(Array.Empty<FeaturesRow>(), schema);
            // Scored from the model.onnx just written: ML.NET's overload for a model in memory leaves a temporary copy behind.
            using var model = context.Transforms.ApplyOnnxModel("Probability", "Features", onnxPath).Append(mask).Fit(empty);
            var zipPath = Path.Combine(folder.FullName, "model.zip");
            AtomicFile.WriteVia(zipPath, temporary =>
            {
                using (var stream = File.Create(temporary))
                    context.Model.Save(model, empty.Schema, stream);
                organs?.WriteInto(temporary);
                smoothing?.WriteInto(temporary);
                shiftsDefault?.WriteInto(temporary);
                shift?.WriteInto(temporary);
                record?.Invoke(temporary);
            });
            environment.Output.WriteLine($"Exported the U-Net of {file.FullName} (weights of epoch {exportedEpoch} of {trainer.History.Count}):");
            environment.Output.WriteLine($"  wrote {onnxPath}");
            environment.Output.WriteLine($"  wrote {zipPath}");
            environment.Output.WriteLine(result.GetValue(size) is null
                ? $"  input {side} x {side}, the size it was trained at (recipe {recipe!.Value.Recipe.Name}, from {recipe.Value.Path})"
                : $"  input {side} x {side} (--size)");
            environment.Output.WriteLine(smoothing is null
                ? "  no slice smoothing stored (none in a recipe.json beside the checkpoint; --smooth-slices stores one)"
                : $"  slice smoothing {smoothing.Radius} stored ({smoothingSource})");
            if (shiftsDefault is not null)
                environment.Output.WriteLine($"  test-time shifts stored (recipe {recipe!.Value.Recipe.Name}, from {recipe.Value.Path})");
            environment.Output.WriteLine(shift is null
                ? $"  no output shift stored (no {VolumeTraining.ModelFile} beside the checkpoint, or it stores none): volumes are scored from the pixels' centres"
                : $"  output shift {shift} stored (from the {VolumeTraining.ModelFile} beside the checkpoint)");
            environment.Output.WriteLine($"  {recordNote}");
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>The slice smoothing to store: as given, else the recipe's, else none.</summary>
    static (SliceSmoothingDefault? Smoothing, string Source) SmoothingOf((TrainingRecipe Recipe, string Path)? recipe, int? given)
    {
        if (given is { } radius)
            return (new SliceSmoothingDefault(radius), "--smooth-slices");
        // A recipe without smoothing (any model of images) needs no entry: a zip without one scores unsmoothed.
        return recipe is not { } found || found.Recipe.SmoothingRadius == 0
            ? (null, "")
            : (new SliceSmoothingDefault(found.Recipe.SmoothingRadius), $"recipe {found.Recipe.Name}, from {found.Path}");
    }

    /// <summary>
    /// The output shift of the model zip that training wrote beside the checkpoint: it depends on how the labels were made,
    /// not on the weights. Null when there is no such zip or it stores none.
    /// </summary>
    static OutputShift? ShiftBeside(FileInfo checkpoint)
    {
        var zip = Path.Combine(checkpoint.DirectoryName ?? ".", VolumeTraining.ModelFile);
        if (!File.Exists(zip))
            return null;
        try
        {
            var shift = OutputShift.ReadFromModel(zip);
            return shift == OutputShift.None ? null : shift;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The {VolumeTraining.ModelFile} beside the checkpoint ('{zip}') cannot be read for its output shift: {e.Message} " +
                                           "Move it away to export without one.", e);
        }
    }

    /// <summary>
    /// The plausibility record of the model zip that training wrote beside the checkpoint, as a writer into the exported
    /// zip, when the export scores volumes as that zip does (the same kind of model and organs, slice smoothing, threshold
    /// and test-time shifts): the record measures masks made so. Its geometry lets the exported zip turn volumes stored
    /// another way and window much wider slices. Null, with the reason, when it does not apply.
    /// </summary>
    static (Action<string>? WriteInto, string Note) PlausibilityBeside(FileInfo checkpoint, OrganLabels? organs, int classes, int smoothing, float? threshold,
        bool testTimeShifts)
    {
        var zip = Path.Combine(checkpoint.DirectoryName ?? ".", VolumeTraining.ModelFile);
        if (!File.Exists(zip))
            return (null, $"no plausibility record stored (no {VolumeTraining.ModelFile} beside the checkpoint)");
        try
        {
            int trainedSmoothing = SliceSmoothingDefault.ReadFromModel(zip);
            float trainedThreshold = SavedModelThreshold.Read(zip) ?? VolumeSegmenterOptions.Defaults.Threshold;
            string? differs = trainedSmoothing != smoothing ? $"slice smoothing {trainedSmoothing}, the export's {smoothing}"
                : TestTimeShiftsDefault.ReadFromModel(zip) != testTimeShifts ? "other test-time shifts"
                : threshold is { } exported && exported != trainedThreshold ? FormattableString.Invariant($"threshold {trainedThreshold}, the export's {exported}")
                : null;
            (Action<string>? WriteInto, string Note) copied(Action<string> write) => differs is null
                ? (write, $"plausibility record stored (from the {VolumeTraining.ModelFile} beside the checkpoint)")
                : (null, $"no plausibility record stored: the {VolumeTraining.ModelFile} beside the checkpoint scores with {differs}, and its record measures those masks");
            if (classes == 1)
                return PlausibilityRecord.ReadFromModel(zip) is { } one
                    ? copied(one.WriteInto)
                    : (null, $"no plausibility record stored (the {VolumeTraining.ModelFile} beside the checkpoint holds none for one organ)");
            if (OrganPlausibility.ReadFromModel(zip) is not { } several)
                return (null, $"no plausibility record stored (the {VolumeTraining.ModelFile} beside the checkpoint holds none for several organs)");
            return organs is not null && several.Organs.Select(o => o.Organ).SequenceEqual(organs.Names)
                ? copied(several.WriteInto)
                : (null, $"no plausibility record stored: the {VolumeTraining.ModelFile} beside the checkpoint records {string.Join(", ", several.Organs.Select(o => o.Organ))}, " +
                         $"the export {(organs is null ? "names no organs (--labels)" : organs.ToString())}");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The {VolumeTraining.ModelFile} beside the checkpoint ('{zip}') cannot be read for its plausibility record: {e.Message} " +
                                           "Move it away to export without one.", e);
        }
    }

    /// <summary>
    /// The recipe.json that training wrote beside the checkpoint; null when there is none, unless <paramref name="required"/>
    /// (the trained size is needed and --size was not given).
    /// </summary>
    static (TrainingRecipe Recipe, string Path)? RecipeBeside(FileInfo checkpoint, bool required)
    {
        var path = Path.Combine(checkpoint.DirectoryName ?? ".", VolumeTraining.RecipeFile);
        if (!File.Exists(path))
            return required
                ? throw new ArgumentException($"--size: no {VolumeTraining.RecipeFile} beside {checkpoint.FullName} says what size the network was trained at; give --size.")
                : null;
        try
        {
            return (TrainingRecipe.ReadJson(path), path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{e.Message} Give --size and --smooth-slices to export without reading it.", e);
        }
    }

    sealed class FeaturesRow
    {
        public float[] Features { get; set; } = [];
    }
}
