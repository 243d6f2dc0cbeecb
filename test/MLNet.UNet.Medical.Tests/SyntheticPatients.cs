using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Small synthetic patients for the training tests.</summary>
static class SyntheticPatients
{
    /// <summary>
    /// A bright ball (label 1) on the left and a block of <paramref name="blockIntensity"/> (label 4) on the right, moved
    /// by <paramref name="shift"/> voxels, with a little texture: 32 x 32 x 6 voxels.
    /// </summary>
    public static PatientVolume BallAndBlock(string id, int shift, float blockIntensity)
    {
        const int size = 32, depth = 6;
        var image = new float[size * size * depth];
        var label = new float[image.Length];
        for (int z = 0; z < depth; z++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    int i = (z * size + y) * size + x;
                    if ((x - 9 - shift) * (x - 9 - shift) + (y - 16) * (y - 16) <= 36)
                        (image[i], label[i]) = (200, 1);
                    else if (x >= 20 && x < 27 && y >= 10 + shift && y < 22 + shift)
                        (image[i], label[i]) = (blockIntensity, 4);
                    else
                        image[i] = 40;
                    image[i] += (x * 7 + y * 3 + z) % 11;
                }
        return new PatientVolume(id, new Volume(image, size, size, depth), new Volume(label, size, size, depth));
    }

    /// <summary>A bright ball (label 1) of <paramref name="radius"/> voxels in the middle of a dark volume of size x size x 6, with a little texture.</summary>
    public static PatientVolume Ball(string id, int radius, int size = 32)
    {
        const int depth = 6;
        var image = new float[size * size * depth];
        var label = new float[image.Length];
        for (int z = 0; z < depth; z++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    int i = (z * size + y) * size + x;
                    bool inside = (x - size / 2) * (x - size / 2) + (y - size / 2) * (y - size / 2) + (z - 3) * (z - 3) * 9 <= radius * radius;
                    label[i] = inside ? 1 : 0;
                    image[i] = (inside ? 200 : 50) + (x * 7 + y * 3 + z) % 11;
                }
        return new PatientVolume(id, new Volume(image, size, size, depth), new Volume(label, size, size, depth));
    }

    /// <summary>The patient at twice its size in x and y, each voxel repeated over 2 x 2.</summary>
    public static PatientVolume Doubled(PatientVolume patient)
    {
        Volume Double(Volume v)
        {
            var data = new float[v.Data.Length * 4];
            for (int z = 0; z < v.SizeZ; z++)
                for (int y = 0; y < 2 * v.SizeY; y++)
                    for (int x = 0; x < 2 * v.SizeX; x++)
                        data[(z * 2 * v.SizeY + y) * 2 * v.SizeX + x] = v[x / 2, y / 2, z];
            return new Volume(data, 2 * v.SizeX, 2 * v.SizeY, v.SizeZ, v.SpacingX / 2, v.SpacingY / 2, v.SpacingZ);
        }
        return new PatientVolume(patient.PatientId, Double(patient.Image), Double(patient.Label));
    }
}
