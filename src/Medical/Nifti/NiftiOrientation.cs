namespace MLNet.UNet.Medical.Nifti;

/// <summary>
/// Where a NIfTI image's stored axes point in the scanner's world (NIfTI's RAS+: x to the right, y to the front, z up),
/// as three letters, one per stored axis, each the direction it points to (nibabel's axis codes): "LAS" for the first
/// axis towards the patient's left, the second to the front, the third up.
/// </summary>
public static class NiftiOrientation
{
    static readonly (char Negative, char Positive)[] Letters = [('L', 'R'), ('P', 'A'), ('I', 'S')];

    /// <summary>
    /// The axis codes of a header, from its sform when its code is set, else from its qform, else null (a header with
    /// neither says nothing of orientation).
    /// </summary>
    public static string? AxisCodes(NiftiHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (Affine(header) is not { } affine)
            return null;
        var matrix = FromSForm(affine);
        var codes = new char[3];
        var used = new bool[3];
        for (int axis = 0; axis < 3; axis++)
        {
            // The world direction the stored axis runs along most: the largest component of its column.
            int world = Enumerable.Range(0, 3).Where(w => !used[w]).MaxBy(w => Math.Abs(matrix[w, axis]));
            if (!(Math.Abs(matrix[world, axis]) > 0))
                return null;
            used[world] = true;
            codes[axis] = matrix[world, axis] > 0 ? Letters[world].Positive : Letters[world].Negative;
        }
        return new string(codes);
    }

    /// <summary>
    /// The voxel-to-world affine of a header as sform rows (srow_x, srow_y, srow_z; 3 x 4, in the header's unit): its
    /// sform when its code is set, else its qform with the voxel spacing (NIfTI-1's method 2), else null.
    /// </summary>
    public static double[]? Affine(NiftiHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.SFormCode > 0)
            return (double[])header.SForm.Clone();
        if (header.QFormCode <= 0)
            return null;
        var rotation = FromQuaternion(header.Quaternion, header.QFactor);
        var rows = new double[12];
        for (int world = 0; world < 3; world++)
        {
            for (int axis = 0; axis < 3; axis++)
                rows[world * 4 + axis] = rotation[world, axis] * QFormScale(header, axis);
            rows[world * 4 + 3] = header.Quaternion[3 + world];
        }
        return rows;
    }

    // As the NIfTI reference library does, a pixdim that is not positive scales the qform by 1.
    static double QFormScale(NiftiHeader header, int axis) =>
        axis < header.Spacing.Length && header.Spacing[axis] > 0 ? header.Spacing[axis] : 1;

    static double[,] FromSForm(double[] rows)
    {
        var matrix = new double[3, 3];
        for (int world = 0; world < 3; world++)
            for (int axis = 0; axis < 3; axis++)
                matrix[world, axis] = rows[world * 4 + axis];
        return matrix;
    }

    // NIfTI-1's quaternion to rotation; qfac turns the third axis over.
    static double[,] FromQuaternion(double[] quaternion, double qfac)
    {
        double b = quaternion[0], c = quaternion[1], d = quaternion[2];
        double a = Math.Sqrt(Math.Max(0, 1 - (b * b + c * c + d * d)));
        double flip = qfac < 0 ? -1 : 1;
        return new double[,]
        {
            { a * a + b * b - c * c - d * d, 2 * (b * c - a * d), flip * 2 * (b * d + a * c) },
            { 2 * (b * c + a * d), a * a + c * c - b * b - d * d, flip * 2 * (c * d - a * b) },
            { 2 * (b * d - a * c), 2 * (c * d + a * b), flip * (a * a + d * d - c * c - b * b) },
        };
    }
}
