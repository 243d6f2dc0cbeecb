using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet.Tests;

public class EvaluationTests
{
    sealed class Pair
    {
        [VectorType(4)] public float[] Label { get; set; } = [];
        [VectorType(4)] public float[] PredictedMask { get; set; } = [];
    }

    [Fact]
    public void DiceAndIoUMatchHandComputedValuesWithDefinedEmptyCases()
    {
        var context = new MLContext();
        var data = context.Data.LoadFromEnumerable(new[]
        {
            new Pair { Label = [255, 255, 0, 0], PredictedMask = [1, 0, 1, 0] },  // |P∩T| = 1, |P| = |T| = 2
            new Pair { Label = [0, 0, 0, 0], PredictedMask = [0, 0, 0, 0] },      // both empty
            new Pair { Label = [255, 0, 0, 0], PredictedMask = [0, 0, 0, 0] },    // prediction empty
            new Pair { Label = [255, 255, 255, 0], PredictedMask = [1, 1, 1, 0] }, // identical
        });
        var metrics = context.Segmentation().Evaluate(data);
        Assert.Equal([0.5, 1, 0, 1], metrics.PerImage.Select(i => i.Dice));
        Assert.Equal(1.0 / 3, metrics.PerImage[0].IoU, 12);
        Assert.Equal([1.0, 0, 1], metrics.PerImage.Skip(1).Select(i => i.IoU));
        Assert.Equal(2.5 / 4, metrics.MeanDice, 12);
        Assert.Equal((1.0 / 3 + 2) / 4, metrics.MeanIoU, 12);
    }

    [Fact]
    public void MissingColumnIsNamed()
    {
        var context = new MLContext();
        var data = context.Data.LoadFromEnumerable(new[] { new Pair { Label = [0, 0, 0, 0], PredictedMask = [0, 0, 0, 0] } });
        Assert.Contains("Predicted mask column 'Mask' was not found",
            Assert.ThrowsAny<Exception>(() => context.Segmentation().Evaluate(data, predictedMaskColumnName: "Mask")).Message);
    }
}
