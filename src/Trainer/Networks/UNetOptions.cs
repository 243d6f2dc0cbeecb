using System.Text.Json.Serialization;

namespace MLNet.UNet.Networks;

/// <summary>Shape of a 2D U-Net. The defaults are the seed network (<see cref="Seed"/>) for one input channel.</summary>
public sealed class UNetOptions
{
    /// <summary>Channels of the input image (1 for MRI or grayscale, 3 for RGB).</summary>
    public int InputChannels { get; set; } = 1;

    /// <summary>
    /// Output classes. 1 means binary segmentation with a sigmoid; more than 1 means one channel per class with a
    /// softmax over classes.
    /// </summary>
    public int OutputClasses { get; set; } = 1;

    /// <summary>Number of 2x2 max-poolings. Input height and width must be multiples of 2^Depth.</summary>
    public int Depth { get; set; } = 5;

    /// <summary>Filters of the first level; each deeper level doubles them.</summary>
    public int BaseFilters { get; set; } = 32;

    /// <summary>Batch normalization after every 3x3 convolution (convolutions then have no bias).</summary>
    public bool BatchNorm { get; set; }

    /// <summary>Dropout probability at the end of the deepest encoder block and of the bottom block; 0 disables it.</summary>
    public double Dropout { get; set; }

    /// <summary>How the decoder upsamples.</summary>
    public UpsamplingMode Upsampling { get; set; } = UpsamplingMode.Nearest;

    /// <summary>
    /// Deep supervision, in the manner of nnU-Net: this many lower decoder levels (half the input's size, a quarter, ...)
    /// get their own 1 x 1 output convolution, and training adds their losses against downsampled masks, weighted 1/2,
    /// 1/4, ... of the full-resolution loss (the weights normalized to sum to 1; nnU-Net supervises every level but the
    /// lowest). It gives the decoder's deeper
    /// levels a direct gradient. Inference and export use the full-resolution output alone. 0 (the default) turns it
    /// off; at most <see cref="Depth"/> - 1.
    /// </summary>
    public int DeepSupervisionOutputs { get; set; }

    /// <summary>
    /// The network the project started from (a Keras U-Net): filters 32-64-128-256-512, a 1024-filter bottom,
    /// nearest upsampling, no batch norm, no dropout, one sigmoid output.
    /// </summary>
    public static UNetOptions Seed(int inputChannels = 1) => new() { InputChannels = inputChannels };

    /// <summary>The names <see cref="Preset"/> accepts.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["small", "medium", "seed"];

    /// <summary>
    /// A named network: "small" (depth 4, base 16, batch norm; quick to train on 64 x 64 images), "medium" (depth 5,
    /// base 24, batch norm; the liver recipe's) or "seed" (<see cref="Seed"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="PresetNames"/>.</exception>
    public static UNetOptions Preset(string name, int inputChannels = 1) => name switch
    {
        "small" => new() { Depth = 4, BaseFilters = 16, BatchNorm = true, InputChannels = inputChannels },
        "medium" => new() { Depth = 5, BaseFilters = 24, BatchNorm = true, InputChannels = inputChannels },
        "seed" => Seed(inputChannels),
        _ => throw new ArgumentException($"Unknown network preset '{name}': expected one of {string.Join(", ", PresetNames)}.", nameof(name)),
    };

    /// <summary>Height and width must be multiples of this value.</summary>
    [JsonIgnore] // derived from Depth: not a setting of a saved recipe
    public int SizeMultiple => 1 << Depth;

    /// <summary>Filters at a level: 0 is the first encoder level, <see cref="Depth"/> the bottom.</summary>
    public int FiltersAt(int level) => BaseFilters << level;

    /// <summary>A copy that later changes to this instance do not affect.</summary>
    public UNetOptions Clone() => (UNetOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (InputChannels < 1)
            throw new ArgumentException($"UNetOptions.InputChannels must be at least 1, got {InputChannels}.");
        if (OutputClasses < 1)
            throw new ArgumentException($"UNetOptions.OutputClasses must be at least 1, got {OutputClasses}.");
        if (Depth < 1 || Depth > 8)
            throw new ArgumentException($"UNetOptions.Depth must be between 1 and 8, got {Depth}.");
        if (BaseFilters < 1 || (long)BaseFilters << Depth > 1 << 16)
            throw new ArgumentException(
                $"UNetOptions.BaseFilters must be at least 1 and BaseFilters * 2^Depth at most 65536, got {BaseFilters} at depth {Depth}.");
        if (!(Dropout >= 0 && Dropout < 1))
            throw new ArgumentException($"UNetOptions.Dropout must be in [0, 1), got {Dropout}.");
        if (DeepSupervisionOutputs < 0 || DeepSupervisionOutputs > Depth - 1)
            throw new ArgumentException($"UNetOptions.DeepSupervisionOutputs must be between 0 and Depth - 1 = {Depth - 1}, got {DeepSupervisionOutputs}.");
        if (!Enum.IsDefined(Upsampling))
            throw new ArgumentException($"UNetOptions.Upsampling has an unknown value {Upsampling}.");
    }
}
