using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Segment;

namespace MLNet.UNet.Medical.Tests;

public class LabelFractionLoaderTests
{
    [Fact]
    public void AreaResizeAveragesEachFootprintWithPartialPixelsWeighted()
    {
        // 3 source pixels to 2: the first new pixel covers source 0 and half of 1, the second the other half of 1 and 2.
        var twoOfThree = SliceResampler.Area([1, 3, 3], 1, 3, 1, 2);
        Assert.Equal((1 + 0.5 * 3) / 1.5, twoOfThree[0], 5);
        Assert.Equal(3.0, twoOfThree[1], 5);
        // A 2x shrink is the mean of each 2 x 2 block, as the bilinear resize's.
        var source = Enumerable.Range(0, 64).Select(i => (float)(i * 37 % 11)).ToArray();
        Assert.All(SliceResampler.Bilinear(source, 8, 8, 4, 4).Zip(SliceResampler.Area(source, 8, 8, 4, 4)), p => Assert.Equal(p.First, p.Second, 5));
        // Any factor keeps the mean, and an indicator stays within 0..1.
        var indicator = source.Select(v => v > 5 ? 1f : 0f).ToArray();
        var odd = SliceResampler.Area(indicator, 8, 8, 5, 3);
        Assert.Equal(indicator.Average(), odd.Average(), 5);
        Assert.All(odd, v => Assert.InRange(v, 0f, 1f));
        Assert.Contains(odd, v => v > 0 && v < 1);
    }

    [Fact]
    public void FractionsAreEachClassShareOfAPixelAndOnePlaneForOneOrgan()
    {
        var patient = SyntheticPatients.BallAndBlock("p", 0, 90);
        var liver = SliceLoader.Slices([patient], new SliceLoaderOptions { ImageSize = 16, LabelFractions = true });
        Assert.All(liver, r => Assert.Equal(16 * 16, r.LabelFractions.Length));
        var labels = patient.Label.Slice(0).Select(v => v == 1 ? 1f : 0f).ToArray();
        Assert.Equal(SliceResampler.Area(labels, 32, 32, 16, 16), liver[0].LabelFractions);
        Assert.Contains(liver[0].LabelFractions, v => v > 0 && v < 1);

        var withContext = SliceLoader.Slices([patient],
            new SliceLoaderOptions { ImageSize = 16, LabelFractions = true, Labels = LabelMapping.Liver.WithContext([2, 3, 4]) });
        const int plane = 16 * 16;
        var row = withContext[0];
        Assert.Equal(5 * plane, row.LabelFractions.Length);
        for (int p = 0; p < plane; p++)
            Assert.Equal(1f, Enumerable.Range(0, 5).Sum(c => row.LabelFractions[c * plane + p]), 5);
        // The block (label 4) is class 4; the ball (label 1) class 1; no kidney here.
        Assert.Equal(liver[0].LabelFractions, row.LabelFractions.AsSpan(plane, plane).ToArray());
        Assert.Contains(row.LabelFractions.AsSpan(4 * plane, plane).ToArray(), v => v == 1);
        Assert.All(row.LabelFractions.AsSpan(2 * plane, 2 * plane).ToArray(), v => Assert.Equal(0f, v));

        var without = SliceLoader.Slices([patient], new SliceLoaderOptions { ImageSize = 16 });
        Assert.All(without, r => Assert.Empty(r.LabelFractions));
    }

    [Fact]
    public void TheFractionColumnIsWhatUNetSegmentTrainsOnAndAWrongSizeIsNamed()
    {
        var patients = new[] { SyntheticPatients.BallAndBlock("a", 0, 90), SyntheticPatients.BallAndBlock("b", 2, 90) };
        var rows = SliceLoader.Slices(patients, new SliceLoaderOptions { ImageSize = 16, LabelFractions = true });
        var context = new MLContext(1);
        var view = SliceLoader.AsDataView(context, rows);
        Assert.Equal(16 * 16, ((VectorDataViewType)view.Schema[nameof(SliceRow.LabelFractions)].Type).Size);
        UNetSegmentOptions Options(string? fractions, int classes = 1) => new()
        {
            FeatureColumnName = nameof(SliceRow.Features), LabelColumnName = nameof(SliceRow.Label), LabelFractionColumnName = fractions,
            Network = new MLNet.UNet.Networks.UNetOptions { Depth = 2, BaseFilters = 4, OutputClasses = classes }, ValidationFraction = 0,
            Trainer = { Epochs = 1, BatchSize = 4, Seed = 3 },
        };
        double FirstLoss(UNetSegmentOptions options)
        {
            using var model = new MLContext(1).Segmentation().UNetSegment(options).Fit(view);
            return model.TrainingHistory[0].TrainingLoss;
        }
        // Same seed and data: only the target differs, so the loss does.
        double onMasks = FirstLoss(Options(null)), onFractions = FirstLoss(Options(nameof(SliceRow.LabelFractions)));
        Assert.NotEqual(onMasks, onFractions);
        // The organ's plane alone also serves a two-class (softmax) network, as one named organ trains.
        Assert.True(double.IsFinite(FirstLoss(Options(nameof(SliceRow.LabelFractions), classes: 2))));

        // Planes for five classes given to a one-class network: the column is named with the size it needs.
        var fiveClasses = SliceLoader.AsDataView(context, SliceLoader.Slices(patients,
            new SliceLoaderOptions { ImageSize = 16, LabelFractions = true, Labels = LabelMapping.Liver.WithContext([2, 3, 4]) }));
        var error = Assert.ThrowsAny<ArgumentException>(() => context.Segmentation().UNetSegment(Options(nameof(SliceRow.LabelFractions))).Fit(fiveClasses));
        Assert.Contains("Label fraction column 'LabelFractions'", error.Message);
        Assert.Contains("K x H x W = 1 x 16 x 16 = 256", error.Message);
    }
}
