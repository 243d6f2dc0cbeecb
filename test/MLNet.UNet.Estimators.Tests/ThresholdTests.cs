using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Threshold;

namespace MLNet.UNet.Tests;

public sealed class ThresholdTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-threshold-tests-").FullName;

    sealed class Probabilities
    {
        [VectorType(1, 1, 2, 3)] public float[] Probability { get; set; } = [];
    }

    [Theory]
    [InlineData(0.3f, MaskFormat.Float)]
    [InlineData(0.7f, MaskFormat.Byte)]
    public void ThresholdIsAppliedAndKeptThroughSaveAndLoad(float threshold, MaskFormat format)
    {
        var context = new MLContext(1);
        float[] values = [0.1f, 0.3f, 0.5f, 0.69f, 0.71f, 0.99f];
        var data = context.Data.LoadFromEnumerable([new Probabilities { Probability = values }]);
        using var transformer = context.Segmentation().Threshold("Mask", "Probability", threshold, format).Fit(data);
        float foreground = format == MaskFormat.Byte ? 255f : 1f;
        var expected = values.Select(v => v > threshold ? foreground : 0f).ToArray();
        Assert.Equal(expected, ShapePipeline.Column(transformer.Transform(data), "Mask").Single());
        Assert.Equal(threshold, transformer.Threshold);

        var zip = Path.Combine(folder, "threshold.zip");
        context.Model.Save(transformer, data.Schema, zip);
        var loaded = new MLContext().Model.Load(zip, out _);
        using var loadedResources = (IDisposable)loaded;
        var output = loaded.Transform(data);
        Assert.Equal(expected, ShapePipeline.Column(output, "Mask").Single());
        // Loaded, it is an ONNX graph; its value is read from the zip, for the column it thresholds.
        Assert.Equal(threshold, SavedModelThreshold.Read(zip));
        Assert.Null(SavedModelThreshold.Read(zip, "Copy"));
        var itemType = ((VectorDataViewType)output.Schema["Mask"].Type).ItemType;
        Assert.Equal(format == MaskFormat.Byte ? NumberDataViewType.Byte : NumberDataViewType.Single, itemType);

        // An estimator chain asks every estimator for its output schema before fitting.
        using var chain = context.Transforms.CopyColumns("Copy", "Probability")
            .Append(context.Segmentation().Threshold("Mask", "Copy", threshold, format)).Fit(data);
        Assert.Equal(expected, ShapePipeline.Column(chain.Transform(data), "Mask").Single());
        Assert.Equal(threshold, ThresholdTransformer.FindIn(chain, "Copy"));
        Assert.Null(ThresholdTransformer.FindIn(chain));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
