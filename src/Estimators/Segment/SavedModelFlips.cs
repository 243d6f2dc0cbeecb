using MLNet.UNet.Export;

namespace MLNet.UNet.Segment;

/// <summary>
/// Adds test-time flips (<see cref="TestTimeFlips"/>) to a model zip saved with <c>mlContext.Model.Save</c>, so that an
/// already trained pipeline can be scored with them; <see cref="UNetSegmentOptions.TestTimeFlips"/> does it at fit time.
/// </summary>
public static class SavedModelFlips
{
    /// <summary>
    /// Writes <paramref name="destination"/> (atomically): <paramref name="source"/> with the U-Net's ONNX model wrapped
    /// in test-time flips along the axes it records it was trained with flips along; every other entry is copied unchanged. The result loads and scores with ML.NET and ONNX
    /// Runtime alone, as the source does.
    /// </summary>
    /// <exception cref="InvalidDataException">The zip holds no MLNet.UNet network, or one that already averages over flips, or one
    /// not trained with flips (or not recording it), which flips at test time would only harm.</exception>
    public static void Write(string source, string destination) =>
        SavedModelNetwork.Rewrite(source, destination, onnx => TestTimeFlips.WrapAlongTrainedAxes(onnx)!);

    /// <summary>The axes a model zip's network averages over at test time; <see cref="FlipAxes.None"/> for one without test-time flips.</summary>
    /// <exception cref="InvalidDataException">The zip holds no MLNet.UNet network.</exception>
    public static FlipAxes AveragedAxes(string zip) => TestTimeFlips.AveragedAxes(SavedModelNetwork.Read(zip));
}
