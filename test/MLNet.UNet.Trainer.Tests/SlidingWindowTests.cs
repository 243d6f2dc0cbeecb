using MLNet.UNet.Data;
using MLNet.UNet.Export;
using MLNet.UNet.Inference;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;
using static TorchSharp.torch;

namespace MLNet.UNet.Tests;

/// <summary>Sliding-window inference inside the ONNX graph, run in ONNX Runtime, against tiles scored one by one and blended here.</summary>
public class SlidingWindowTests
{
    [Theory]
    [InlineData(512, 128, 0.5, new[] { 0, 64, 128, 192, 256, 320, 384 })]
    [InlineData(500, 128, 0.5, new[] { 0, 62, 124, 186, 248, 310, 372 })]
    [InlineData(300, 128, 0.0, new[] { 0, 86, 172 })]
    [InlineData(100, 128, 0.5, new[] { 0 })]
    [InlineData(128, 128, 0.5, new[] { 0 })]
    public void TilesCoverTheAxisFromEdgeToEdgeWithAtLeastTheOverlap(int length, int tile, double overlap, int[] expected)
    {
        var starts = TileGrid.Starts(length, tile, overlap);
        Assert.Equal(expected, starts);
        if (length > tile)
        {
            Assert.Equal(length - tile, starts[^1]);
            Assert.All(starts.Zip(starts.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, 1, tile * (1 - overlap) + 1e-9));
        }
    }

    [Theory]
    [InlineData(44, 60, TileBlend.Gaussian, 0.5, 4)]
    [InlineData(44, 60, TileBlend.Constant, 0.25, 16)]
    [InlineData(10, 20, TileBlend.Gaussian, 0.5, 16)]
    public void TheWrappedModelBlendsTheNetworksTilesOntoTheImagesGrid(int height, int width, TileBlend blend, double overlap, int tilesPerPass)
    {
        const int tile = 16;
        random.manual_seed(21);
        using var network = new UNetNetwork(new UNetOptions { Depth = 2, BaseFilters = 4, BatchNorm = true, InputChannels = 2 });
        network.eval();
        var tileModel = OnnxExporter.Export(network, new OnnxExportOptions { InputName = "Features", OutputName = "Probability", Height = tile, Width = tile });
        var options = new SlidingWindowOptions { TileSize = tile, Overlap = overlap, Blend = blend, TilesPerPass = tilesPerPass };
        var wrapped = SlidingWindow.Wrap(tileModel, height, width, options);

        using var scope = NewDisposeScope();
        var image = rand(2, 2, height, width);
        var actual = OnnxRuntimeRunner.Run(wrapped, "Features", image.data<float>().ToArray(), [2, 2, height, width], out var shape);
        Assert.Equal([2, 1, height, width], shape);

        // The reference: pad with edge pixels, score each tile alone in TorchSharp, weigh, add up, divide, cut the padding off.
        int paddedHeight = Math.Max(height, tile), paddedWidth = Math.Max(width, tile);
        var padded = image;
        if (paddedHeight > height)
            padded = cat([padded, padded.narrow(2, height - 1, 1).expand(2, 2, paddedHeight - height, width)], 2);
        if (paddedWidth > width)
            padded = cat([padded, padded.narrow(3, width - 1, 1).expand(2, 2, paddedHeight, paddedWidth - width)], 3);
        var weights = tensor(TileGrid.Weights(tile, blend), [1, 1, tile, tile]);
        var sum = zeros(2, 1, paddedHeight, paddedWidth);
        var weightSum = zeros(1, 1, paddedHeight, paddedWidth);
        using (no_grad())
            foreach (var y in TileGrid.Starts(paddedHeight, tile, overlap))
                foreach (var x in TileGrid.Starts(paddedWidth, tile, overlap))
                {
                    var probability = network.Predict(padded.narrow(2, y, tile).narrow(3, x, tile).contiguous());
                    sum.narrow(2, y, tile).narrow(3, x, tile).add_(probability.mul(weights));
                    weightSum.narrow(2, y, tile).narrow(3, x, tile).add_(weights);
                }
        var expected = sum.div(weightSum).narrow(2, 0, height).narrow(3, 0, width).contiguous().data<float>().ToArray();
        Assert.All(expected.Zip(actual), pair => Assert.InRange(Math.Abs(pair.First - pair.Second), 0, 1e-5));
    }

    [Fact]
    public void AModelWhoseInputIsNotTheTileIsRefusedNamingBoth()
    {
        using var network = new UNetNetwork(new UNetOptions { Depth = 2, BaseFilters = 4 });
        var model = OnnxExporter.Export(network, new OnnxExportOptions { Height = 32, Width = 32 });
        var error = Assert.Throws<ArgumentException>(() => SlidingWindow.Wrap(model, 64, 64, new SlidingWindowOptions { TileSize = 16 }));
        Assert.Contains("tiles are 16 x 16", error.Message);
        Assert.Contains("32, 32", error.Message);
        var wrapped = SlidingWindow.Wrap(model, 64, 64, new SlidingWindowOptions { TileSize = 32 });
        Assert.Contains("already", Assert.Throws<ArgumentException>(() => SlidingWindow.Wrap(wrapped, 64, 64, new SlidingWindowOptions { TileSize = 32 })).Message);
    }

    [Fact]
    public void TrainingOnPatchesTakesImagesOfAnySizeAndValidatesOnTiles()
    {
        using var images = SyntheticShapes.Dataset(12, 44, 60, seed: 5);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 4, Seed = 3, PatchSize = 16 };
        using var trainer = new UNetTrainer(new UNetOptions { Depth = 2, BaseFilters = 4, BatchNorm = true }, options);
        var result = trainer.Fit(images, images);
        Assert.Equal(2, result.History.Count);
        Assert.All(result.History, epoch => Assert.InRange(epoch.ValidationDice!.Value, 0, 1));

        options.PatchSize = 64;
        using var tooLarge = new UNetTrainer(new UNetOptions { Depth = 2, BaseFilters = 4 }, options);
        Assert.Contains("smaller than the 64 x 64 patches", Assert.Throws<ArgumentException>(() => tooLarge.Fit(images)).Message);
    }
}
