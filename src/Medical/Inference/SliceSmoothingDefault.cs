using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Inference;

/// <summary>
/// How many neighbour slices on each side a volume model's probabilities are averaged over when it segments a volume,
/// stored in its zip by training (from <see cref="TrainingRecipe.SmoothingRadius"/>), as nnU-Net stores the
/// post-processing chosen in cross-validation with the model. The model's plausibility record and its evaluation were
/// made with it, so <c>unet predict</c>, <c>evaluate</c> and the service score with it unless told otherwise.
/// </summary>
public sealed record SliceSmoothingDefault
{
    /// <summary>The zip entry that holds it; ML.NET's Model.Load ignores it.</summary>
    public const string EntryName = "MLNet.UNet/slice-smoothing.json";

    /// <summary>Creates the default.</summary>
    /// <param name="radius">Neighbour slices on each side; 0 for none, at most <see cref="TrainingRecipe.MaxSmoothingRadius"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The radius is out of that range.</exception>
    public SliceSmoothingDefault(int radius)
    {
        if (radius is < 0 or > TrainingRecipe.MaxSmoothingRadius)
            throw new ArgumentOutOfRangeException(nameof(radius), radius, $"A slice smoothing radius must be in [0, {TrainingRecipe.MaxSmoothingRadius}].");
        Radius = radius;
    }

    /// <summary>Neighbour slices on each side; 0 for none.</summary>
    public int Radius { get; }

    /// <summary>Stores the radius in a model zip (replacing any stored before).</summary>
    public void WriteInto(string modelPath) => ModelZipEntry.Write(modelPath, EntryName, this);

    /// <summary>The radius stored in a model zip; 0 for a zip that stores none (saved before it was stored, or a model of images).</summary>
    /// <exception cref="InvalidDataException">The stored radius is damaged or out of range.</exception>
    public static int ReadFromModel(string modelPath)
    {
        try
        {
            return ModelZipEntry.Read<SliceSmoothingDefault>(modelPath, EntryName, "slice smoothing default")?.Radius ?? 0;
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"The slice smoothing default in '{modelPath}' is out of range: {e.Message}", e);
        }
    }
}
