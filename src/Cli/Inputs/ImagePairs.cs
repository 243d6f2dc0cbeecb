using MLNet.UNet.Images;
using Microsoft.ML.Data;

namespace MLNet.UNet.Cli.Inputs;

/// <summary>Finds and checks image/mask PNG pairs: <c>name.png</c> with <c>name_mask.png</c>, or same names in two folders.</summary>
internal static class ImagePairs
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    // Files that sit beside the images but are not inputs: masks, and what predict writes (so it can predict into its input folder).
    static readonly string[] NotImages = ["_mask", "_pred", "_overlay"];

    /// <summary>Images of a folder (masks and predictions, <c>*_mask</c>, <c>*_pred</c>, <c>*_overlay</c>, excluded), sorted by name.</summary>
    public static List<string> Images(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Image folder '{folder}' does not exist.");
        var images = Directory.EnumerateFiles(folder).Where(IsImage).Order(StringComparer.Ordinal).ToList();
        if (images.Count == 0)
            throw new InvalidDataException($"Image folder '{folder}' holds no PNG, JPEG or BMP images (files named *_mask, *_pred or *_overlay are masks and predictions).");
        return images;
    }

    static bool IsImage(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant())
        && !NotImages.Any(suffix => Path.GetFileNameWithoutExtension(path).EndsWith(suffix, StringComparison.Ordinal));

    /// <summary>Pairs every image with its mask and checks they are readable, of one size, and the masks binary.</summary>
    public static List<ImageMaskPair> Find(string imageFolder, string? maskFolder, long maxPixels = ImageDimensions.DefaultMaxPixels)
    {
        var images = Images(imageFolder);
        if (maskFolder is not null && !Directory.Exists(maskFolder))
            throw new DirectoryNotFoundException($"Mask folder '{maskFolder}' does not exist.");
        var pairs = new List<ImageMaskPair>();
        foreach (var image in images)
        {
            var mask = maskFolder is null
                ? Path.Combine(imageFolder, Path.GetFileNameWithoutExtension(image) + "_mask" + Path.GetExtension(image))
                : Path.Combine(maskFolder, Path.GetFileName(image));
            if (!File.Exists(mask))
                throw new FileNotFoundException($"Image '{image}' has no mask: expected '{mask}'.", mask);
            pairs.Add(new ImageMaskPair(image, mask));
        }
        if (maskFolder is not null)
        {
            // Masks in their own folder are named as their images, so the names left out of the images are left out here too.
            int masks = Directory.EnumerateFiles(maskFolder).Count(IsImage);
            if (masks != images.Count)
                throw new InvalidDataException($"There are {images.Count} images in '{imageFolder}' but {masks} masks in '{maskFolder}'.");
        }
        // The label range is detected once for all masks, so 0/1 and 0/255 masks must not be mixed.
        var foregrounds = new Dictionary<byte, string>();
        foreach (var pair in pairs)
        {
            ImageDimensions.CheckSize(pair.ImagePath, maxPixels);
            ImageDimensions.CheckSize(pair.MaskPath, maxPixels);
            if (Check(pair) is { } foreground)
                foregrounds.TryAdd(foreground, pair.MaskPath);
        }
        if (foregrounds.Count > 1)
            throw new InvalidDataException(
                $"The masks mix foreground values: {string.Join(" and ", foregrounds.Select(f => $"{f.Key} (e.g. '{f.Value}')"))}; use one convention, 0/255 or 0/1.");
        return pairs;
    }

    /// <summary>Checks one pair; returns the mask's foreground value, or null when the mask is empty.</summary>
    static byte? Check(ImageMaskPair pair)
    {
        using var image = Open(pair.ImagePath);
        using var mask = Open(pair.MaskPath);
        if (image.Width != mask.Width || image.Height != mask.Height)
            throw new InvalidDataException(
                $"Image '{pair.ImagePath}' is {image.Width} x {image.Height} but its mask '{pair.MaskPath}' is {mask.Width} x {mask.Height}.");
        var pixels = mask.Pixels;
        int step = mask.BitsPerPixel / 8;
        var values = new HashSet<byte>();
        for (int i = 0; i < pixels.Length && values.Count <= 2; i += step)
            values.Add(pixels[i]);
        if (values.Count > 2 || (values.Count == 2 && !values.Contains(0)))
            throw new InvalidDataException(
                $"Mask '{pair.MaskPath}' is not binary: it has values {string.Join(", ", values.Order().Take(3))}...; expected 0 for background and one foreground value (255 or 1).");
        return values.Where(v => v != 0).Select(v => (byte?)v).FirstOrDefault();
    }

    /// <summary>Opens an image file, naming it when it cannot be decoded.</summary>
    public static MLImage Open(string path)
    {
        try
        {
            return MLImage.CreateFromFile(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{path}' is not a readable image ({e.Message}).", e);
        }
    }
}
