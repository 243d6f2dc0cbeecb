using MLNet.UNet.Inference;
using static TorchSharp.torch;

namespace MLNet.UNet.Data;

/// <summary>
/// Square patches of images for training a network on crops of larger images (<see cref="Training.TrainerOptions.PatchSize"/>),
/// as nnU-Net trains on patches and scores in a sliding window.
/// </summary>
internal static class Patches
{
    /// <summary>One random <paramref name="size"/> x <paramref name="size"/> crop of each sample of a batch, the same for its image, mask, regions and label fractions.</summary>
    public static (Tensor Images, Tensor Masks, Tensor? Regions, Tensor? Fractions) RandomCrops(Tensor images, Tensor masks, Tensor? regions,
        Tensor? fractions, int size, Random random)
    {
        int count = (int)images.shape[0], height = (int)images.shape[2], width = (int)images.shape[3];
        var imageCrops = new Tensor[count];
        var maskCrops = new Tensor[count];
        var regionCrops = regions is null ? null : new Tensor[count];
        var fractionCrops = fractions is null ? null : new Tensor[count];
        for (int i = 0; i < count; i++)
        {
            int y = random.Next(height - size + 1), x = random.Next(width - size + 1);
            imageCrops[i] = images[i].narrow(1, y, size).narrow(2, x, size);
            maskCrops[i] = masks[i].narrow(0, y, size).narrow(1, x, size);
            if (regionCrops is not null)
                regionCrops[i] = regions![i].narrow(0, y, size).narrow(1, x, size);
            if (fractionCrops is not null)
                fractionCrops[i] = fractions![i].narrow(1, y, size).narrow(2, x, size);
        }
        return (stack(imageCrops), stack(maskCrops), regionCrops is null ? null : stack(regionCrops),
            fractionCrops is null ? null : stack(fractionCrops));
    }

    /// <summary>
    /// Every sample cut into <paramref name="size"/> x <paramref name="size"/> tiles that cover it (<see cref="TileGrid.Starts"/>
    /// without overlap; the last tile of an axis ends on the edge): fixed patches to validate on.
    /// </summary>
    public static SegmentationDataset Tiles(SegmentationDataset data, int size)
    {
        var positions = (from y in TileGrid.Starts(data.Height, size, 0) from x in TileGrid.Starts(data.Width, size, 0) select (y, x)).ToList();
        Tensor images, masks;
        using (NewDisposeScope())
        {
            images = cat(positions.Select(p => data.Images.narrow(2, p.y, size).narrow(3, p.x, size)).ToArray(), 0).MoveToOuterDisposeScope();
            masks = cat(positions.Select(p => data.Masks.narrow(1, p.y, size).narrow(2, p.x, size)).ToArray(), 0).MoveToOuterDisposeScope();
        }
        // The dataset keeps copies of its own; these go when it is made (or fails to be).
        using (images)
        using (masks)
            return SegmentationDataset.FromTensors(images, masks, data.Classes);
    }
}
