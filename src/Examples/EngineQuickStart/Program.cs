using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNet.UNet.Data;
using MLNet.UNet.Export;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using MLNet.UNet.Transforms;
using static TorchSharp.torch;

// Trains a small U-Net on synthetic shapes with the engine alone, saves a checkpoint, exports ONNX and checks
// that ONNX Runtime gives the same probabilities as TorchSharp.
// Usage: dotnet run -c Release --project src/Examples/EngineQuickStart -- [output folder]
var output = Directory.CreateDirectory(args.Length > 0 ? args[0] : Path.Combine("artifacts", "engine-quickstart")).FullName;

using var training = SyntheticShapes.Dataset(160, 64, 64, seed: 1);
using var validation = SyntheticShapes.Dataset(32, 64, 64, seed: 2);
var network = new UNetOptions { Depth = 3, BaseFilters = 16, BatchNorm = true };
var options = new TrainerOptions
{
    Epochs = 12, BatchSize = 8, LearningRate = 3e-3, Seed = 5, Schedule = LearningRateSchedule.Cosine,
    Augmentation = new AugmentationOptions { HorizontalFlipProbability = 0.5, VerticalFlipProbability = 0.5 },
};
using var trainer = new UNetTrainer(network, options);
Console.WriteLine($"Training a U-Net (base {network.BaseFilters}, depth {network.Depth}, {trainer.Network.ParameterCount:N0} parameters) on 160 synthetic 64x64 images.");
var result = trainer.Fit(training, validation, p =>
{
    if (p.EpochCompleted)
        Console.WriteLine($"epoch {p.Epoch,2}/{p.Epochs}  loss {p.Loss:F4}  validation Dice {p.ValidationDice:F4}  " +
                          $"{p.ImagesPerSecond:F0} images/s  about {p.TimeRemaining:mm\\:ss} left");
}, checkpointPath: Path.Combine(output, "unet.ckpt"));
Console.WriteLine($"Best validation Dice {result.BestValidationDice:F4} at epoch {result.BestEpoch}.");

var onnxPath = Path.Combine(output, "unet.onnx");
OnnxExporter.Save(trainer.Network, onnxPath);
trainer.Network.eval();
using var scope = NewDisposeScope();
var sample = validation.Images.narrow(0, 0, 4);
float[] expected;
using (no_grad())
    expected = trainer.Network.Predict(sample).data<float>().ToArray();
using var session = new InferenceSession(onnxPath);
var input = new DenseTensor<float>(sample.data<float>().ToArray(), [4, 1, 64, 64]);
using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
var actual = results.First().AsTensor<float>().ToArray();
double difference = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
Console.WriteLine($"Wrote {onnxPath}; ONNX Runtime vs TorchSharp max |difference| = {difference:E2}.");
return difference <= 1e-4 ? 0 : 2;
