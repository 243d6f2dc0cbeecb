namespace MLNet.UNet.Medical.Metrics;

/// <summary>Which voxels of a mask are its surface, for the surface distances (ASSD, MSSD, HD95).</summary>
public enum SurfaceRule
{
    /// <summary>
    /// The CHAOS challenge's evaluation code: the mask minus its erosion with 6-connectivity, with voxels outside the
    /// grid counted as foreground (border_value 1), so a mask that reaches the edge of the grid has no surface there.
    /// CHAOS livers often reach the first or last slice.
    /// </summary>
    Chaos,

    /// <summary>
    /// MedPy's rule: voxels outside the grid count as background, so every mask voxel on the grid's outer faces is
    /// surface.
    /// </summary>
    MedPy,
}
