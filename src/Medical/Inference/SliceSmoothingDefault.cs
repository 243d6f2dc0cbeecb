namespace MLNet.UNet.Medical.Inference;

/// <summary>
/// How many neighbour slices on each side a volume model's probabilities are averaged over when it segments a volume,
/// stored in its zip by training (from <see cref="Recipes.TrainingRecipe.SmoothingRadius"/>), as nnU-Net stores the
/// post-processing chosen in cross-validation with the model. The model's plausibility record and its evaluation were
/// made with it, so <c>unet predict</c>, <c>evaluate</c> and the service score with it unless told otherwise.
/// </summary>
/// <param name="Radius">Neighbour slices on each side; 0 for none.</param>
public sealed record SliceSmoothingDefault(int Radius)
{
    /// <summary>The zip entry that holds it; ML.NET's Model.Load ignores it.</summary>
    public const string EntryName = "MLNet.UNet/slice-smoothing.json";

    /// <summary>Stores the radius in a model zip (replacing any stored before).</summary>
    public void WriteInto(string modelPath) => ModelZipEntry.Write(modelPath, EntryName, this);

    /// <summary>The radius stored in a model zip; 0 for a zip that stores none (saved before it was stored, or a model of images).</summary>
    /// <exception cref="InvalidDataException">The stored radius is damaged or negative.</exception>
    public static int ReadFromModel(string modelPath)
    {
        var stored = ModelZipEntry.Read<SliceSmoothingDefault>(modelPath, EntryName, "slice smoothing default");
        return stored switch
        {
            null => 0,
            { Radius: >= 0 } => stored.Radius,
            _ => throw new InvalidDataException($"The slice smoothing default in '{modelPath}' is {stored.Radius}; it must be 0 or more."),
        };
    }
}
