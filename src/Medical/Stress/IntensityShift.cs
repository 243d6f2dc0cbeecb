using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Stress;

/// <summary>
/// A fixed change of a patient's image intensities, for a stress test of a model on patients that look unlike its
/// training ones. It changes the raw image before any normalization; the label is untouched.
/// </summary>
public abstract class IntensityShift
{
    /// <summary>A short name for tables and JSON.</summary>
    public abstract string Name { get; }

    /// <summary>The patient with its image changed.</summary>
    public PatientVolume Apply(PatientVolume patient)
    {
        ArgumentNullException.ThrowIfNull(patient);
        var data = (float[])patient.Image.Data.Clone();
        Change(data, patient.Image, patient.Label);
        return patient with { Image = patient.Image.WithData(data) };
    }

    /// <summary>Changes <paramref name="data"/>, a copy of <paramref name="image"/>'s voxels, in place.</summary>
    protected abstract void Change(float[] data, Volume image, Volume label);

    /// <summary>
    /// The fixed shifts of the standard stress test, kept the same from model to model so that figures compare:
    /// the liver at 0.5 and 0.25 of its intensity, the liver and the spleen at 0.5 (an iron-loaded liver and spleen),
    /// gamma 0.5 and 2, and a strong bias field (gain 0.5 at one corner to 2 at the other). Structure values are
    /// CHAOS's: 1 liver, 4 spleen; <see cref="StandardFor(int, int)"/> takes others.
    /// </summary>
    public static IReadOnlyList<IntensityShift> Standard { get; } = StandardFor(ChaosLiver, ChaosSpleen);

    const int ChaosLiver = 1, ChaosSpleen = 4;

    /// <summary><see cref="Standard"/>'s shifts for label volumes that number the liver and the spleen otherwise.</summary>
    /// <param name="liverValue">The liver's value in the label volumes.</param>
    /// <param name="spleenValue">The spleen's value in the label volumes.</param>
    public static IReadOnlyList<IntensityShift> StandardFor(int liverValue, int spleenValue) =>
    [
        new ScaledStructures("liver x0.5", 0.5f, liverValue),
        new ScaledStructures("liver x0.25", 0.25f, liverValue),
        new ScaledStructures("liver+spleen x0.5", 0.5f, liverValue, spleenValue),
        new GammaShift(0.5),
        new GammaShift(2),
        new LinearBiasField(2),
    ];

    /// <summary>
    /// <see cref="Standard"/>'s shifts with the liver's and the spleen's values taken from a model's organs named
    /// "liver" and "spleen", and CHAOS's for an organ the model does not name (its labels may still hold it).
    /// </summary>
    public static IReadOnlyList<IntensityShift> StandardFor(OrganLabels organs)
    {
        ArgumentNullException.ThrowIfNull(organs);
        int ValueOf(string name, int chaos) => organs.ClassOf(name) is int organClass ? organs.Organs[organClass - 1].Value : chaos;
        return StandardFor(ValueOf("liver", ChaosLiver), ValueOf("spleen", ChaosSpleen));
    }
}

/// <summary>Multiplies the intensities of the voxels labelled with any of <see cref="Structures"/> by <see cref="Factor"/>.</summary>
public sealed class ScaledStructures(string name, float factor, params int[] structures) : IntensityShift
{
    /// <inheritdoc />
    public override string Name => name;

    /// <summary>The factor.</summary>
    public float Factor => factor;

    /// <summary>The label values whose voxels change.</summary>
    public IReadOnlyList<int> Structures => structures;

    /// <inheritdoc />
    protected override void Change(float[] data, Volume image, Volume label)
    {
        var set = structures.ToHashSet();
        for (int i = 0; i < data.Length; i++)
            if (set.Contains((int)MathF.Round(label.Data[i])))
                data[i] *= factor;
    }
}

/// <summary>Gamma on the volume rescaled to [0, 1] by its minimum and 99.5th percentile, then scaled back.</summary>
public sealed class GammaShift(double gamma) : IntensityShift
{
    /// <inheritdoc />
    public override string Name => $"gamma {gamma:0.##}";

    /// <inheritdoc />
    protected override void Change(float[] data, Volume image, Volume label)
    {
        var sorted = (float[])data.Clone();
        Array.Sort(sorted);
        float low = sorted[0], high = sorted[(int)Math.Min(sorted.Length - 1, Math.Round(0.995 * (sorted.Length - 1)))];
        float range = Math.Max(high - low, 1e-6f);
        for (int i = 0; i < data.Length; i++)
        {
            double unit = Math.Max(0, (data[i] - low) / range);
            data[i] = (float)(low + Math.Pow(unit, gamma) * range);
        }
    }
}

/// <summary>
/// A smooth multiplicative field across each slice: gain 1/<c>maxGain</c> at the first row and column to
/// <c>maxGain</c> at the last, growing exponentially along the diagonal; applied above the volume's minimum.
/// </summary>
public sealed class LinearBiasField(double maxGain) : IntensityShift
{
    /// <inheritdoc />
    public override string Name => $"bias field x{1 / maxGain:0.##}-{maxGain:0.##}";

    /// <inheritdoc />
    protected override void Change(float[] data, Volume image, Volume label)
    {
        float low = data.Min();
        for (int z = 0; z < image.SizeZ; z++)
            for (int y = 0; y < image.SizeY; y++)
                for (int x = 0; x < image.SizeX; x++)
                {
                    double t = (double)x / Math.Max(1, image.SizeX - 1) + (double)y / Math.Max(1, image.SizeY - 1) - 1; // -1 .. 1
                    int i = (z * image.SizeY + y) * image.SizeX + x;
                    data[i] = (float)(low + (data[i] - low) * Math.Pow(maxGain, t));
                }
    }
}
