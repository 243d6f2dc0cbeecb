using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Export;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Transforms;

namespace MLNet.UNet.Medical.Inference;

/// <summary>
/// Where a volume model's output pixels sit relative to its input pixels, in network pixels past their centres, stored
/// in its zip by training. Training shrinks each label slice to the network's size by nearest neighbour
/// (<see cref="SliceResampler.Nearest"/>) and each image slice by averaging: for a 2x shrink the label is the lower-right
/// pixel of each 2 x 2 block, a quarter of a network pixel below and right of the image's, and the network learns to
/// predict it there. Putting its probabilities back on the volume's grid as if they sat at the pixels' centres moved every
/// mask half a voxel up and left; <see cref="PostProcessing.ProbabilityMask"/> puts them where they were learned.
/// </summary>
public sealed record OutputShift
{
    /// <summary>The zip entry that holds it; ML.NET's Model.Load ignores it.</summary>
    public const string EntryName = "MLNet.UNet/output-shift.json";

    /// <summary>Outputs at the pixels' centres: a model trained on label fractions, on images, or saved before the shift was stored.</summary>
    public static OutputShift None { get; } = new(0, 0);

    /// <summary>Creates a shift.</summary>
    /// <param name="x">Along x (columns), in network pixels; positive towards higher indices.</param>
    /// <param name="y">Along y (rows).</param>
    /// <exception cref="ArgumentOutOfRangeException">A shift is not finite or is a pixel or more: no resize makes one.</exception>
    public OutputShift(double x, double y)
    {
        X = Checked(x, nameof(x));
        Y = Checked(y, nameof(y));
    }

    /// <summary>Along x (columns), in network pixels; positive towards higher indices.</summary>
    public double X { get; }

    /// <summary>Along y (rows), in network pixels; positive towards higher indices.</summary>
    public double Y { get; }

    /// <summary>
    /// The shift a network learns from training slices made with <paramref name="slices"/> from <paramref name="patients"/>'
    /// volumes and augmented with <paramref name="augmentation"/>: the mean of <see cref="SliceResampler.NearestShift"/> over
    /// the patients (each weighted by its slices), none with label fractions (area averages, centred like the images) or
    /// without a resize. A flip turns the shift round along its axis and a quarter turn moves it to the other, so flips
    /// and right-angle turns shrink what is learned (to nothing with flips half the time); small rotations and zooms
    /// change it by a few per cent, which is left out. So is <see cref="AugmentationOptions.LowResolutionProbability"/>
    /// (off in every recipe), whose nearest-neighbour shrink moves the image, not the label, about half a network pixel
    /// down and right each time it is drawn. Each patient weighs by its slices, kept or not.
    /// </summary>
    /// <param name="patients">The training patients.</param>
    /// <param name="slices">The training slice options.</param>
    /// <param name="augmentation">The training augmentation.</param>
    public static OutputShift Learned(IEnumerable<PatientVolume> patients, SliceLoaderOptions slices, AugmentationOptions augmentation)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(augmentation);
        if (slices.LabelFractions || slices.ImageSize is not { } size)
            return None;
        double x = 0, y = 0, weight = 0;
        foreach (var patient in patients)
        {
            var image = patient.Image;
            x += image.SizeZ * SliceResampler.NearestShift(image.SizeX, size);
            y += image.SizeZ * SliceResampler.NearestShift(image.SizeY, size);
            weight += image.SizeZ;
        }
        if (weight == 0)
            return None;
        // A quarter, half or three-quarter turn, drawn alike, averages the shift to minus a third of itself.
        double turns = 1 - 4 * augmentation.Rotate90Probability / 3;
        return new OutputShift(
            x / weight * (1 - 2 * augmentation.HorizontalFlipProbability) * turns,
            y / weight * (1 - 2 * augmentation.VerticalFlipProbability) * turns);
    }

    /// <summary>
    /// Where the outputs of the network averaged over test-time flips along <paramref name="axes"/> sit: a pass on a flipped
    /// slice, flipped back, has its outputs shifted the other way along the flip's axis, so the mean sits at the centres there.
    /// </summary>
    public OutputShift AveragedOver(FlipAxes axes) =>
        new(axes.HasFlag(FlipAxes.LeftRight) ? 0 : X, axes.HasFlag(FlipAxes.TopBottom) ? 0 : Y);

    /// <summary>Stores the shift in a model zip (replacing any stored before).</summary>
    public void WriteInto(string modelPath) => ModelZipEntry.Write(modelPath, EntryName, this);

    /// <summary>The shift stored in a model zip; <see cref="None"/> for a zip that stores none.</summary>
    /// <exception cref="InvalidDataException">The stored shift is damaged or out of range.</exception>
    public static OutputShift ReadFromModel(string modelPath)
    {
        try
        {
            return ModelZipEntry.Read<OutputShift>(modelPath, EntryName, "output shift") ?? None;
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"The output shift in '{modelPath}' is out of range: {e.Message}", e);
        }
    }

    /// <summary>"x 0.25, y 0.25 network pixels".</summary>
    public override string ToString() => FormattableString.Invariant($"x {X:0.###}, y {Y:0.###} network pixels");

    static double Checked(double value, string name) => double.IsFinite(value) && Math.Abs(value) < 1
        ? value
        : throw new ArgumentOutOfRangeException(name, value, "An output shift is a fraction of a network pixel, in (-1, 1).");
}
