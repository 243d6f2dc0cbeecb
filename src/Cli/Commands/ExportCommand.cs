using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Export;
using MLNet.UNet.Training;

namespace MLNet.UNet.Cli.Commands;

/// <summary><c>unet export</c>: a training checkpoint to an ONNX model and an ML.NET zip.</summary>
internal static class ExportCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "A checkpoint written by 'unet train'.", Required = true };
        var output = CommandOptions.Output("export");
        var size = new Option<int>("--size") { Description = "Input height and width fixed in the exported model.", DefaultValueFactory = _ => 128 };
        var threshold = new Option<float>("--threshold") { Description = "Threshold of the PredictedMask column in the zip (one-class networks).", DefaultValueFactory = _ => 0.5f };
        var command = new Command("export", """
            Export a checkpoint (the best weights, if it has them) as model.onnx and as an ML.NET model.zip that takes a
            Features column (C x size x size floats) and writes Probability and PredictedMask; a network of several
            classes writes Probability and PredictedLabel, the class of each pixel (ArgMax). A checkpoint holds no organ
            names: for volumes of several organs, use the model.zip that 'unet train --labels' wrote.

            Example:
              unet export --checkpoint model/checkpoint.ckpt --size 128 --output exported
            """)
        { checkpoint, output, size, threshold };
        command.SetAction(result => environment.Run(() =>
        {
            var file = result.GetValue(checkpoint)!;
            using var trainer = UNetTrainer.LoadCheckpoint(file.FullName);
            int exportedEpoch = trainer.UseBestWeights() ? trainer.BestEpoch : trainer.History.Count;
            int side = result.GetValue(size);
            var network = trainer.Network.Options;
            var onnx = OnnxExporter.Export(trainer.Network, new OnnxExportOptions
            {
                InputName = "Features", OutputName = "Probability", Height = side, Width = side,
            });
            var folder = result.GetValue(output)!;
            CommandOptions.EnsureFolder(folder);
            var onnxPath = Path.Combine(folder.FullName, "model.onnx");
            AtomicFile.Write(onnxPath, stream => stream.Write(onnx));

            var context = environment.CreateContext();
            var schema = SchemaDefinition.Create(typeof(FeaturesRow));
            schema[nameof(FeaturesRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, network.InputChannels, side, side);
            var empty = context.Data.LoadFromEnumerable(Array.Empty<FeaturesRow>(), schema);
            // Scored from the model.onnx just written: ML.NET's overload for a model in memory leaves a temporary copy behind.
            IEstimator<ITransformer> mask = network.OutputClasses > 1
                ? context.Segmentation().ArgMax("PredictedLabel", "Probability")
                : context.Segmentation().Threshold("PredictedMask", "Probability", result.GetValue(threshold));
            using var model = context.Transforms.ApplyOnnxModel("Probability", "Features", onnxPath).Append(mask).Fit(empty);
            var zipPath = Path.Combine(folder.FullName, "model.zip");
            AtomicFile.Write(zipPath, stream => context.Model.Save(model, empty.Schema, stream));
            environment.Output.WriteLine($"Exported the U-Net of {file.FullName} (weights of epoch {exportedEpoch} of {trainer.History.Count}):");
            environment.Output.WriteLine($"  wrote {onnxPath}");
            environment.Output.WriteLine($"  wrote {zipPath}");
            return ExitCodes.Success;
        }));
        return command;
    }

    sealed class FeaturesRow
    {
        public float[] Features { get; set; } = [];
    }
}
