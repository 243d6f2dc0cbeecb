using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using MLNet.UNet.Threshold;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.UNet.Tests;

/// <summary>Bad columns and values get an error that names the column and the expected shape, never a crash.</summary>
public class BadInputTests
{
    sealed class Shaped
    {
        [VectorType(1, 8, 8)] public float[] Features { get; set; } = new float[64];
        [VectorType(64)] public float[] Label { get; set; } = new float[64];
        public float Scalar { get; set; }
        [VectorType(64)] public float[] Flat { get; set; } = new float[64];
        [VectorType(60)] public float[] Short { get; set; } = new float[60];
        [VectorType(64)] public double[] Doubles { get; set; } = new double[64];
        [VectorType(1, 6, 6)] public float[] Odd { get; set; } = new float[36];
        [VectorType(36)] public float[] OddLabel { get; set; } = new float[36];
        [VectorType(64)] public byte[] ByteLabel { get; set; } = new byte[64];
    }

    static readonly MLContext Context = new(seed: 1);

    static IDataView Rows(Action<Shaped, int>? edit = null, int count = 4) =>
        Context.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(i =>
        {
            var row = new Shaped();
            row.Label[i] = 1;
            row.ByteLabel[i] = 255;
            edit?.Invoke(row, i);
            return row;
        }).ToList());

    static UNetSegmentEstimator Estimator(string features = "Features", string label = "Label", Action<UNetSegmentOptions>? edit = null)
    {
        var options = new UNetSegmentOptions
        {
            FeatureColumnName = features, LabelColumnName = label,
            Network = new UNetOptions { Depth = 1, BaseFilters = 2 }, Trainer = { Epochs = 1, BatchSize = 2 },
        };
        edit?.Invoke(options);
        return Context.Segmentation().UNetSegment(options);
    }

    static string FitError(UNetSegmentEstimator estimator, IDataView data) =>
        Assert.ThrowsAny<Exception>(() => estimator.Fit(data)).Message;

    [Fact]
    public void MissingFeaturesOrLabelColumnIsNamed()
    {
        Assert.Contains("Features column 'Pixels' was not found", FitError(Estimator(features: "Pixels"), Rows()));
        Assert.Contains("Label column 'Mask' was not found", FitError(Estimator(label: "Mask"), Rows()));
    }

    [Theory]
    [InlineData("Scalar")]
    [InlineData("Doubles")]
    public void FeaturesThatAreNotAVectorOfSingleAreRefused(string column)
    {
        var message = FitError(Estimator(features: column), Rows());
        Assert.Contains($"Schema mismatch for features column '{column}'", message);
        Assert.Contains("vector of Single holding C x H x W", message);
    }

    [Fact]
    public void UnknownShapeMustBeGivenAndMustMatchTheVectorSize()
    {
        Assert.Contains("set ImageChannels, ImageHeight and ImageWidth", FitError(Estimator(features: "Flat"), Rows()));
        var wrongSize = FitError(Estimator(features: "Short", edit: o => { o.ImageChannels = 1; o.ImageHeight = 8; o.ImageWidth = 8; }), Rows());
        Assert.Contains("Features column 'Short' has vectors of 60 values; C x H x W = 1 x 8 x 8 needs 64", wrongSize);
    }

    [Fact]
    public void LabelOfAnotherSizeThanTheImageIsRefused()
    {
        var message = FitError(Estimator(label: "Short"), Rows());
        Assert.Contains("Label column 'Short' has masks of 60 values", message);
        Assert.Contains("8 x 8", message);
    }

    [Fact]
    public void EmptyDataIsRefused() =>
        Assert.Contains("training data is empty", FitError(Estimator(), Rows(count: 0)));

    [Fact]
    public void SizeNotDivisibleByTwoToTheDepthSuggestsResizeImages()
    {
        var message = FitError(Estimator(features: "Odd", label: "OddLabel", edit: o => o.Network.Depth = 2), Rows());
        Assert.Contains("multiples of 2^2 = 4", message);
        Assert.Contains("ResizeImages to 8 x 8", message);
    }

    [Theory]
    [InlineData(-1f)]
    [InlineData(256f)]
    [InlineData(float.NaN)]
    public void LabelValuesOutsideTheRangeAreRefusedWithTheRow(float bad)
    {
        var message = FitError(Estimator(), Rows((row, i) => { if (i == 2) row.Label[5] = bad; }));
        Assert.Contains("Label column 'Label', row 2", message);
        Assert.Contains("outside the label range", message);
    }

    [Fact]
    public void AnEpochDrawNeedsABooleanColumnAndAShareInZeroOne()
    {
        Assert.Contains("Epoch draw column 'Missing' must be a Boolean column (true for the rows drawn anew each epoch); the data has no such column.",
            FitError(Estimator(edit: o => o.EpochDrawColumnName = "Missing"), Rows()));
        Assert.Contains("Epoch draw column 'Label' must be a Boolean column", FitError(Estimator(edit: o => o.EpochDrawColumnName = "Label"), Rows()));
        Assert.Contains("EpochDrawFraction must be in [0, 1], got -0.5", Assert.Throws<ArgumentOutOfRangeException>(() => Estimator(edit: o => o.EpochDrawFraction = -0.5)).Message);
    }

    [Fact]
    public void NonFinitePixelsAreRefusedWithTheRow()
    {
        var message = FitError(Estimator(), Rows((row, i) => { if (i == 1) row.Features[3] = float.PositiveInfinity; }));
        Assert.Contains("Features column 'Features', row 1", message);
    }

    [Fact]
    public void MasksEmptyInEveryRowGiveAWarning()
    {
        var context = new MLContext(seed: 1);
        var warnings = new List<string>();
        context.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) warnings.Add(e.RawMessage); };
        var data = context.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(_ => new Shaped()).ToList());
        using var transformer = context.Segmentation().UNetSegment(new UNetSegmentOptions
        {
            Network = new UNetOptions { Depth = 1, BaseFilters = 2 }, Trainer = { Epochs = 1, BatchSize = 2 }, ValidationFraction = 0,
        }).Fit(data);
        Assert.Contains(warnings, w => w.Contains("Every training mask in label column 'Label' is empty"));
    }

    [Fact]
    public void ByteLabelsTrain()
    {
        using var transformer = Estimator(label: "ByteLabel").Fit(Rows());
        Assert.Single(transformer.TrainingHistory);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(-0.5f)]
    [InlineData(float.NaN)]
    public void ThresholdOutsideZeroOneIsRefused(float threshold)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Context.Segmentation().Threshold(threshold: threshold));
        Assert.Contains("Threshold must be strictly between 0 and 1", error.Message);
    }

    [Fact]
    public void ThresholdOnAMissingOrNonVectorColumnIsRefused()
    {
        Assert.Contains("Input column 'Probability' was not found",
            Assert.ThrowsAny<Exception>(() => Context.Segmentation().Threshold().Fit(Rows())).Message);
        Assert.Contains("Schema mismatch for input column 'Scalar'",
            Assert.ThrowsAny<Exception>(() => Context.Segmentation().Threshold("Mask", "Scalar").Fit(Rows())).Message);
    }
}

public class VariableSizeInputTests
{
    sealed class Ragged
    {
        public float[] Features { get; set; } = [];
        public float[] Label { get; set; } = [];
    }

    [Fact]
    public void VectorsWhoseSizeVariesBetweenRowsAreRefused()
    {
        var context = new MLContext();
        var data = context.Data.LoadFromEnumerable(new[]
        {
            new Ragged { Features = new float[64], Label = new float[64] },
            new Ragged { Features = new float[60], Label = new float[64] },
        });
        var error = Assert.ThrowsAny<Exception>(() => context.Segmentation().UNetSegment(new UNetSegmentOptions
        {
            Network = new UNetOptions { Depth = 1, BaseFilters = 2 }, ImageChannels = 1, ImageHeight = 8, ImageWidth = 8,
        }).Fit(data));
        Assert.Contains("Schema mismatch for features column 'Features'", error.Message);
        Assert.Contains("known-size vector", error.Message);
    }
}
