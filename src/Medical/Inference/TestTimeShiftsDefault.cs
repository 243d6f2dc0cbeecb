using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Inference;

/// <summary>
/// Whether a volume model scores volumes averaged over <see cref="TestTimeShifts"/> by default, stored in its zip by training
/// (from <see cref="TrainingRecipe.TestTimeShifts"/>), as <see cref="SliceSmoothingDefault"/> is: the model's plausibility
/// record and its evaluation were made so, and <c>unet predict</c>, <c>evaluate</c> and the service score so unless told otherwise.
/// </summary>
/// <param name="Enabled">Average over the shifts.</param>
public sealed record TestTimeShiftsDefault(bool Enabled)
{
    /// <summary>The zip entry that holds it; ML.NET's Model.Load ignores it.</summary>
    public const string EntryName = "MLNet.UNet/test-time-shifts.json";

    /// <summary>Stores the default in a model zip (replacing any stored before).</summary>
    public void WriteInto(string modelPath) => ModelZipEntry.Write(modelPath, EntryName, this);

    /// <summary>The default stored in a model zip; false for a zip that stores none (saved before it was stored, or a model of images).</summary>
    /// <exception cref="InvalidDataException">The stored default is damaged.</exception>
    public static bool ReadFromModel(string modelPath) =>
        ModelZipEntry.Read<TestTimeShiftsDefault>(modelPath, EntryName, "test-time shifts default")?.Enabled ?? false;
}
