namespace MLNet.UNet.Cli.Inputs;

/// <summary>The input row of an image model: the image file (and, for training or evaluation, its mask).</summary>
public sealed class ImageRow
{
    /// <summary>Path of the image.</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>Path of the mask (empty when predicting).</summary>
    public string MaskPath { get; set; } = "";
}
