namespace MLNet.UNet.Segment;

/// <summary>The range the mask pixels of a label column are in.</summary>
public enum LabelRange
{
    /// <summary>[0, 255] for a Byte column; for a Single column [0, 255] if any value is above 1, else [0, 1].</summary>
    Auto,

    /// <summary>Values in [0, 1].</summary>
    UnitInterval,

    /// <summary>Values in [0, 255], as ExtractPixels gives for a mask image without scaling.</summary>
    Byte,
}
