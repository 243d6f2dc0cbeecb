namespace MLNet.UNet.Inference;

/// <summary>How the tiles' probabilities are weighed where they overlap.</summary>
public enum TileBlend
{
    /// <summary>A Gaussian centred on the tile (sigma 1/8 of its side, as nnU-Net and MONAI use): tile edges, where the network sees least context, count least.</summary>
    Gaussian,

    /// <summary>Every pixel of every tile counts the same: a plain mean of the overlapping tiles.</summary>
    Constant,
}

/// <summary>
/// Sliding-window inference, as MONAI's <c>sliding_window_inference</c> and nnU-Net do it: an image larger than the
/// network's input is scored in overlapping tiles of the input's size, and the tiles' probabilities are blended back
/// onto the image's own grid, so nothing is resized. Training then takes random crops of the tile size
/// (<see cref="Training.TrainerOptions.PatchSize"/>).
/// </summary>
public sealed class SlidingWindowOptions
{
    /// <summary>Defaults of the fields below.</summary>
    public static class Defaults
    {
        /// <summary>Half of each tile overlaps its neighbour.</summary>
        public const double Overlap = 0.5;

        /// <summary>Gaussian weights.</summary>
        public const TileBlend Blend = TileBlend.Gaussian;

        /// <summary>Tiles scored in one network pass: bounds the memory of a large image.</summary>
        public const int TilesPerPass = 16;
    }

    /// <summary>Side of the square tiles, in pixels: the network's input, which it is trained on as random crops. A multiple of 2^depth.</summary>
    public int TileSize { get; set; }

    /// <summary>Fraction of a tile's side shared with the next tile, in [0, 1); more overlap costs more passes and smooths the seams.</summary>
    public double Overlap { get; set; } = Defaults.Overlap;

    /// <summary>How overlapping tiles are weighed.</summary>
    public TileBlend Blend { get; set; } = Defaults.Blend;

    /// <summary>
    /// Tiles given to the network in one batch. The ONNX graph holds one copy of the network's nodes (sharing its weights)
    /// per batch, so the memory of a large image stays that of this many tiles.
    /// </summary>
    public int TilesPerPass { get; set; } = Defaults.TilesPerPass;

    /// <summary>A copy that later changes to this one do not affect.</summary>
    public SlidingWindowOptions Clone() => (SlidingWindowOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    /// <param name="sizeMultiple">The network's 2^depth, which the tile size must be a multiple of.</param>
    public void Validate(int sizeMultiple)
    {
        if (TileSize < sizeMultiple || TileSize % sizeMultiple != 0)
            throw new ArgumentException(
                $"SlidingWindowOptions.TileSize must be a positive multiple of the network's 2^depth = {sizeMultiple} (it is the network's input), got {TileSize}.");
        if (!(Overlap >= 0 && Overlap < 1))
            throw new ArgumentException($"SlidingWindowOptions.Overlap must be in [0, 1), got {Overlap}.");
        if (!Enum.IsDefined(Blend))
            throw new ArgumentException($"SlidingWindowOptions.Blend has an unknown value {Blend}; expected Gaussian or Constant.");
        if (TilesPerPass < 1)
            throw new ArgumentException($"SlidingWindowOptions.TilesPerPass must be at least 1, got {TilesPerPass}.");
    }
}
