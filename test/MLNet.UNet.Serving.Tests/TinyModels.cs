using MLNet.UNet.Images;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Networks;
using MLNet.UNet.Segment;
using Microsoft.ML;
using Microsoft.ML.Transforms.Image;

namespace MLNet.UNet.Serving.Tests;

/// <summary>
/// Three tiny models trained in seconds, saved as zips as any application saves them: an image-file model on synthetic
/// shape PNGs (LoadImages from ImagePath first), a volume-slice model on synthetic balls, and a volume-slice model of two
/// organs (<see cref="Organs"/>) on volumes holding two balls.
/// </summary>
sealed class TinyModels
{
    public const int Size = 32;

    public TinyModels(string folder)
    {
        Folder = folder;
        var context = new MLContext(seed: 1);
        Shapes = SyntheticShapeImages.WritePngs(Path.Combine(folder, "shapes"), 32, 48, 48, seed: 1);
        ImageZip = TrainImageModel(context, Shapes, Path.Combine(folder, "image-model.zip"));
        VolumeZip = TrainVolumeModel(context, Path.Combine(folder, "volume-model.zip"));
        OrgansZip = TrainOrgansModel(context, Path.Combine(folder, "organs-model.zip"));
    }

    /// <summary>The organs of <see cref="OrgansZip"/>: the bright ball on the left, labelled 1, and the dim one on the right, labelled 4.</summary>
    public static OrganLabels Organs => OrganLabels.Parse("bright=1,dim=4");

    public string Folder { get; }

    /// <summary>The shape PNGs the image model was trained on (48 x 48, scored at 32 x 32).</summary>
    public IReadOnlyList<ImageMaskPair> Shapes { get; }

    public string ImageZip { get; }

    public string VolumeZip { get; }

    public string OrgansZip { get; }

    static string TrainImageModel(MLContext context, IReadOnlyList<ImageMaskPair> pairs, string zip)
    {
        var files = context.Data.LoadFromEnumerable(pairs);
        var labelled = context.Transforms.LoadImages("MaskImage", imageFolder: null, inputColumnName: nameof(ImageMaskPair.MaskPath))
            .Append(context.Transforms.ResizeImages("MaskImage", Size, Size, "MaskImage", ImageResizingEstimator.ResizingKind.Fill))
            .Append(context.Transforms.ExtractPixels("Label", "MaskImage", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red))
            .Fit(files).Transform(files);
        using var model = context.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImageMaskPair.ImagePath))
            .Append(context.Transforms.ResizeImages("Image", Size, Size, "Image", ImageResizingEstimator.ResizingKind.Fill))
            .Append(context.Transforms.ExtractPixels("Features", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
            .Append(context.Segmentation().UNetSegment(new UNetSegmentOptions
            {
                Network = new UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true },
                Trainer = { Epochs = 6, BatchSize = 8, LearningRate = 3e-3, Seed = 1 },
                ValidationFraction = 0,
            }))
            .Append(context.Segmentation().Threshold("PredictedMask", "Probability", threshold: 0.5f))
            .Fit(labelled);
        context.Model.Save(model, files.Schema, zip);
        return zip;
    }

    static string TrainVolumeModel(MLContext context, string zip)
    {
        var slices = new SliceLoaderOptions { ImageSize = Size };
        var data = SliceLoader.Load(context, [Ball("a", 8), Ball("b", 10), Ball("c", 12)], slices);
        using var model = context.Segmentation().UNetSegment(new UNetSegmentOptions
            {
                Network = new UNetOptions { Depth = 2, BaseFilters = 4 }, Trainer = { Epochs = 2, BatchSize = 4, Seed = 1 }, ValidationFraction = 0,
            })
            .Append(context.Segmentation().Threshold("PredictedMask", "Probability", threshold: 0.5f))
            .Fit(data);
        context.Model.Save(model, data.Schema, zip);
        return zip;
    }

    static string TrainOrgansModel(MLContext context, string zip)
    {
        var slices = new SliceLoaderOptions { ImageSize = Size, Labels = Organs.ToMapping() };
        var data = SliceLoader.Load(context, [TwoBalls("a", 6), TwoBalls("b", 7), TwoBalls("c", 5)], slices);
        using var model = context.Segmentation().UNetSegment(new UNetSegmentOptions
            {
                Network = new UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true, OutputClasses = Organs.ClassCount }, ValidationFraction = 0,
                Trainer = { Epochs = 30, BatchSize = 6, LearningRate = 5e-3, Seed = 1 },
            })
            .Append(context.Segmentation().ArgMax())
            .Fit(data);
        context.Model.Save(model, data.Schema, zip);
        Organs.WriteInto(zip);
        new SliceSmoothingDefault(1).WriteInto(zip); // as a recipe with SmoothingRadius 1 stores it
        // The balls, written as NIfTI, are stored RAS (the writer's sform without a header) and 25.6 mm wide; with no
        // record per organ, only this geometry can flag or turn an upload.
        new OrganPlausibility([.. Organs.Names.Select(organ => new OrganPlausibility.OrganRecord(organ, null))])
        {
            Geometry = new InputGeometry("RAS", Size * 0.8, Size * 0.8),
        }.WriteInto(zip);
        return zip;
    }

    /// <summary>Two balls of <paramref name="radius"/> in a dark volume (32 x 32 x 6): a bright one on the left (label 1), a dim one on the right (label 4).</summary>
    public static PatientVolume TwoBalls(string id, int radius)
    {
        var image = new float[Size * Size * Depth];
        var label = new float[image.Length];
        for (int z = 0; z < Depth; z++)
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                {
                    int i = (z * Size + y) * Size + x;
                    bool Inside(int centre) => (x - centre) * (x - centre) + (y - 16) * (y - 16) + (z - 3) * (z - 3) * 4 <= radius * radius;
                    (label[i], image[i]) = Inside(9) ? (1f, 220f) : Inside(23) ? (4f, 130f) : (0f, 40f);
                    image[i] += (x * 7 + y * 3 + z) % 11;
                }
        return new PatientVolume(id, new Volume(image, Size, Size, Depth, 0.8, 0.8, 3), new Volume(label, Size, Size, Depth, 0.8, 0.8, 3));
    }

    const int Depth = 6;

    /// <summary>A volume as the bytes of a NIfTI file (.nii, or .nii.gz when <paramref name="gzip"/>).</summary>
    public static byte[] Nifti(Volume volume, bool gzip = false)
    {
        var bytes = NiftiWriter.Encode(volume, NiftiDataType.Int16);
        if (!gzip)
            return bytes;
        using var output = new MemoryStream();
        using (var compressor = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest))
            compressor.Write(bytes);
        return output.ToArray();
    }

    /// <summary>A bright ball in a darker volume (32 x 32 x 6), with its label.</summary>
    public static PatientVolume Ball(string id, int radius)
    {
        const int size = 32, depth = 6;
        var image = new float[size * size * depth];
        var label = new float[image.Length];
        for (int z = 0; z < depth; z++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    int i = (z * size + y) * size + x;
                    bool inside = (x - 16) * (x - 16) + (y - 16) * (y - 16) + (z - 3) * (z - 3) * 9 <= radius * radius;
                    label[i] = inside ? 1 : 0;
                    image[i] = (inside ? 200 : 50) + (x * 7 + y * 3 + z) % 11;
                }
        return new PatientVolume(id, new Volume(image, size, size, depth, 0.8, 0.8, 3), new Volume(label, size, size, depth, 0.8, 0.8, 3));
    }

    /// <summary>A ball volume as the bytes of a NIfTI file (.nii, or .nii.gz when <paramref name="gzip"/>).</summary>
    public static byte[] BallNifti(int radius, bool gzip = false) => Nifti(Ball("upload", radius).Image, gzip);
}
