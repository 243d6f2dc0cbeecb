using MLNet.UNet.Export;

namespace MLNet.UNet.Segment;

/// <summary>
/// Several model zips saved with <c>mlContext.Model.Save</c> as one zip that averages their U-Nets' probabilities
/// (<see cref="ModelEnsemble"/>), for example the models of the folds of a cross-validation. The result loads and scores
/// with ML.NET and ONNX Runtime alone, as each of them does.
/// </summary>
public static class SavedModelEnsemble
{
    /// <summary>
    /// Writes <paramref name="destination"/> (atomically): the first zip, with its U-Net replaced by the average of all the
    /// zips' U-Nets. The rest of the pipeline (image loading, resizing, threshold) is the first zip's, so the zips must be
    /// pipelines of the same kind, whose networks take and give tensors of the same names and shapes.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two zips, or networks that differ in their input or output.</exception>
    /// <exception cref="InvalidDataException">A zip holds no MLNet.UNet network.</exception>
    public static void Write(IReadOnlyList<string> sources, string destination) => Write(sources, destination, classes: null);

    /// <summary>
    /// Writes <paramref name="destination"/> (atomically) as <see cref="Write(IReadOnlyList{string}, string)"/> does, where a
    /// model of several classes may give one class's probability only (<see cref="ModelEnsemble.Average(IReadOnlyList{byte[]}, IReadOnlyList{int?})"/>):
    /// a one-class liver zip first, then a zip of the abdominal organs giving its liver class, vote on the liver. The
    /// pipeline, and so the threshold, is the first zip's.
    /// </summary>
    /// <param name="sources">The model zips; the first gives the pipeline.</param>
    /// <param name="destination">The ensemble zip to write.</param>
    /// <param name="classes">Per zip, the class whose probability it gives; null, or a null entry, for its whole output.</param>
    /// <exception cref="ArgumentException">Fewer than two zips, a class a network does not have, or networks that differ in their input or output.</exception>
    /// <exception cref="InvalidDataException">A zip holds no MLNet.UNet network.</exception>
    public static void Write(IReadOnlyList<string> sources, string destination, IReadOnlyList<int?>? classes)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count < 2)
            throw new ArgumentException($"An ensemble averages two models or more; got {sources.Count}.", nameof(sources));
        var networks = sources.Select(SavedModelNetwork.Read).ToList();
        SavedModelNetwork.Rewrite(sources[0], destination, _ => ModelEnsemble.Average(networks, classes));
    }
}
