using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLNet.UNet.ArgMax;
using MLNet.UNet.Images;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using Xunit.Abstractions;

namespace MLNet.UNet.Tests;

/// <summary>Several classes through the pipeline: softmax probabilities, the arg-max component, and a zip scored elsewhere.</summary>
public sealed class MultiClassTests(ITestOutputHelper output) : IDisposable
{
    const int Size = 32;
    static readonly float[] LabelValues = [0, 100, 200]; // as a mask PNG might hold them
    readonly string folder = Directory.CreateTempSubdirectory("unet-classes-tests-").FullName;

    [Fact]
    public void TwoShapesAreLearnedAsTwoClassesAndTheClassMapScoresAlikeInASeparateProcess()
    {
        var context = new MLContext(seed: 1);
        var training = Labelled(context, WriteImages("train", 48, seed: 1));
        var testRows = WriteImages("test", 8, seed: 2);
        // At 15 epochs MLContext seeds 1-6 gave 0.79-0.99 (a CPU moves training as a seed does); at 30, 0.97-1.00.
        var options = ShapePipeline.TinyOptions(epochs: 30);
        options.Network = new UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true, OutputClasses = 3 };
        options.LabelValues = LabelValues;

        using var model = Pipeline(context, options).Fit(training);
        var segment = model.OfType<UNetSegmentTransformer>().Single();
        Assert.All(segment.TrainingHistory, epoch => Assert.Equal(2, epoch.ValidationDicePerClass!.Count));

        var scored = model.Transform(Labelled(context, testRows));
        Assert.All(ShapePipeline.Column(scored, "Probability"), p => Assert.Equal(3 * Size * Size, p.Length));
        var predicted = ShapePipeline.Column(scored, "PredictedLabel");
        var truth = ShapePipeline.Column(scored, "Label");
        Assert.All(predicted, map => Assert.All(map, v => Assert.Contains(v, new[] { 0f, 1f, 2f })));
        var metrics = context.Segmentation().EvaluateClasses(scored, 3, labelValues: LabelValues);
        for (int c = 1; c <= 2; c++)
        {
            int klass = c;
            double dice = predicted.Zip(truth).Average(pair => Dice(pair.First.Select(v => v == klass), pair.Second.Select(v => Nearest(v) == klass)));
            output.WriteLine($"class {c}: held-out Dice {dice:F3}");
            Assert.True(dice > 0.7, $"class {c}: held-out Dice {dice:F3}");
            Assert.Equal(dice, metrics.PerClass[c - 1].MeanDice, 9);
        }
        Assert.Equal(metrics.PerClass.Average(m => m.MeanDice), metrics.MeanDice, 12);

        var zip = Path.Combine(folder, "model.zip");
        context.Model.Save(model, context.Data.LoadFromEnumerable(testRows).Schema, zip);
        Assert.Equal(predicted, SeparateProcess.Score(output, folder, zip, "PredictedLabel", testRows));
    }

    [Fact]
    public void ArgMaxRefusesOneClassAndLabelValuesMustMatchTheClasses()
    {
        var context = new MLContext(seed: 1);
        var schema = SchemaDefinition.Create(typeof(OneClass));
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, 1, 4, 4);
        var data = context.Data.LoadFromEnumerable([new OneClass { Probability = new float[16] }], schema);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => context.Segmentation().ArgMax().Fit(data));
        Assert.Contains("use Threshold", error.Message);

        var options = ShapePipeline.TinyOptions();
        options.Network.OutputClasses = 3;
        options.LabelValues = [0, 255];
        Assert.Contains("2 values but the network has 3 classes", Assert.Throws<ArgumentException>(() => context.Segmentation().UNetSegment(options)).Message);
    }

    sealed class OneClass
    {
        public float[] Probability { get; set; } = [];
    }

    // A bright disk (class 1) and a grey square (class 2) on a dark, noisy background.
    List<ImageRow> WriteImages(string name, int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<ImageRow>();
        Directory.CreateDirectory(Path.Combine(folder, name));
        for (int n = 0; n < count; n++)
        {
            var image = new float[Size * Size];
            var label = new float[Size * Size];
            int cx = random.Next(8, 14), cy = random.Next(8, 24), radius = random.Next(4, 7);
            int sx = random.Next(17, 22), sy = random.Next(3, 20), side = random.Next(6, 10);
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                {
                    int i = y * Size + x;
                    image[i] = 0.1f + 0.1f * (float)random.NextDouble();
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius)
                        (image[i], label[i]) = (0.9f, LabelValues[1]);
                    else if (x >= sx && x < sx + side && y >= sy && y < sy + side)
                        (image[i], label[i]) = (0.5f, LabelValues[2]);
                }
            var row = new ImageRow { ImagePath = Path.Combine(folder, name, $"{n}.png"), MaskPath = Path.Combine(folder, name, $"{n}_mask.png") };
            GrayPng.Write(row.ImagePath, image, Size, Size, v => v);
            GrayPng.Write(row.MaskPath, label, Size, Size, v => v / 255f);
            rows.Add(row);
        }
        return rows;
    }

    static IDataView Labelled(MLContext context, List<ImageRow> rows)
    {
        var data = context.Data.LoadFromEnumerable(rows);
        return context.Transforms.LoadImages("MaskImage", imageFolder: null, inputColumnName: nameof(ImageRow.MaskPath))
            .Append(context.Transforms.ResizeImages("MaskImage", Size, Size, "MaskImage")) // the same size: ExtractPixels needs it declared
            .Append(context.Transforms.ExtractPixels("Label", "MaskImage", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red))
            .Fit(data).Transform(data);
    }

    static EstimatorChain<ArgMaxTransformer> Pipeline(MLContext context, UNetSegmentOptions options) =>
        context.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImageRow.ImagePath))
            .Append(context.Transforms.ResizeImages("Image", Size, Size, "Image"))
            .Append(context.Transforms.ExtractPixels("Features", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
            .Append(context.Segmentation().UNetSegment(options))
            .Append(context.Segmentation().ArgMax());

    static int Nearest(float value) => Array.IndexOf(LabelValues, LabelValues.MinBy(v => Math.Abs(v - value)));

    static double Dice(IEnumerable<bool> predicted, IEnumerable<bool> truth)
    {
        int both = 0, total = 0;
        foreach (var (p, t) in predicted.Zip(truth))
        {
            both += p && t ? 1 : 0;
            total += (p ? 1 : 0) + (t ? 1 : 0);
        }
        return total == 0 ? 1 : 2.0 * both / total;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
