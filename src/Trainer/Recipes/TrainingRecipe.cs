using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MLNet.UNet.Networks;
using MLNet.UNet.Training;

namespace MLNet.UNet.Recipes;

/// <summary>
/// A named way to train: the network, the trainer (optimizer, schedule, loss, augmentation), the image size, the
/// validation split and, for volumes, how they are cut into slices. Every door (the library's options, the
/// <c>unet</c> tool, the examples) starts from one, taken from <see cref="TrainingRecipes"/>, and overrides single
/// fields. Each call of a <see cref="TrainingRecipes"/> factory gives a fresh copy that is the caller's to change.
/// </summary>
public sealed class TrainingRecipe
{
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The recipe's name, as <see cref="TrainingRecipes.Get"/> takes it.</summary>
    public required string Name { get; init; }

    /// <summary>What the recipe is for and where its settings come from.</summary>
    public required string Description { get; init; }

    /// <summary>The network. For volumes its input channels are set from <see cref="NeighbourSlices"/> when slices are loaded.</summary>
    public required UNetOptions Network { get; set; }

    /// <summary>Optimizer, schedule, loss, augmentation, weight averaging, epochs and time budget.</summary>
    public required TrainerOptions Trainer { get; set; }

    /// <summary>
    /// Images (or volume slices) are resized to ImageSize x ImageSize; a multiple of the network's <see cref="UNetOptions.SizeMultiple"/>,
    /// or, with a <see cref="SlidingWindow"/>, at least its tile.
    /// </summary>
    public int ImageSize { get; set; }

    /// <summary>
    /// Train on random crops of a tile size and score in overlapping tiles (<see cref="Inference.SlidingWindowOptions"/>), for
    /// images larger than the network's input; null: the network takes the whole image.
    /// </summary>
    public Inference.SlidingWindowOptions? SlidingWindow { get; set; }

    /// <summary>Fraction held out for validation: of the images, or of the patients for volumes (rounded to whole patients).</summary>
    public double ValidationFraction { get; set; }

    /// <summary>
    /// For volumes: neighbour slices on each side given to the network as extra channels (2.5D), so the network has
    /// 2 x NeighbourSlices + 1 input channels; checked by the slice loader's options.
    /// </summary>
    public int NeighbourSlices { get; set; }

    /// <summary>
    /// For volumes: the fraction of the training slices without the organ that is kept (all slices with it are), in
    /// [0, 1]; with <see cref="RedrawEmptySlices"/>, the share of them that each epoch trains on.
    /// </summary>
    public double EmptySliceFraction { get; set; } = 1;

    /// <summary>
    /// For volumes: load every training slice without the organ, and train each epoch on <see cref="EmptySliceFraction"/>
    /// of them drawn anew, so that over the epochs the network sees all of them (nnU-Net samples its background from the
    /// whole image in the same way). False: that fraction is drawn once, when the slices are loaded, and the rest are
    /// never seen.
    /// </summary>
    public bool RedrawEmptySlices { get; set; }

    /// <summary>
    /// For volumes: label values of other structures in the label maps (CHAOS: the kidneys and the spleen, 2 to 4) that
    /// the network also learns, a class each, so that it learns to tell the organ from its neighbours; the model that
    /// training writes keeps the organ's class alone (<see cref="Export.OneClassModel"/>), thresholded like a one-class
    /// network's. Empty: the network learns the organ alone. For one-organ training; the network's
    /// <see cref="UNetOptions.OutputClasses"/> stays 1 in the recipe and becomes 2 plus one per value when training.
    /// </summary>
    public int[] ContextLabels { get; set; } = [];

    /// <summary>
    /// For volumes: neighbour slices on each side whose probabilities are averaged with each slice's before the 3D mask is
    /// made, when the trained model segments a volume; 0 for none. Training measures the plausibility record and the
    /// validation figures with it and stores it in the model zip as the model's default (as nnU-Net keeps the
    /// post-processing chosen in cross-validation with its model).
    /// </summary>
    public int SmoothingRadius { get; set; }

    /// <summary>
    /// For volumes whose slices are shrunk to <see cref="ImageSize"/>: score each volume also moved by whole voxels within one
    /// network pixel and average the passes (test-time shifts; four passes for a 2x shrink), when the trained model segments
    /// a volume. Training measures the plausibility record and the validation figures with it and stores it in the model zip
    /// as the model's default, as <see cref="SmoothingRadius"/>.
    /// </summary>
    public bool TestTimeShifts { get; set; }

    /// <summary>
    /// For volumes whose slices are shrunk to <see cref="ImageSize"/>: train against label fractions, the share of each
    /// training pixel that each class covers in the full-resolution label map (its area average), instead of the
    /// nearest label pixel. A shrunk pixel on an organ's edge is partly organ; taught that share, the network's
    /// probabilities, upsampled to the volume's grid, put the edge back within the pixel. A 2x shrink and back costs the
    /// CHAOS livers' own labels 0.015 of 3D Dice with the nearest pixel and 0.003 with fractions.
    /// </summary>
    public bool LabelFractions { get; set; }

    /// <summary>Largest <see cref="SmoothingRadius"/> accepted.</summary>
    public const int MaxSmoothingRadius = 8;

    /// <summary>
    /// For volumes: the label map's structures are kept with each training slice, because the augmentation changes
    /// each organ's intensity on its own (<see cref="Transforms.AugmentationOptions.RegionIntensityProbability"/> above 0).
    /// </summary>
    [JsonIgnore]
    public bool UsesRegions => Trainer.Augmentation.RegionIntensityProbability > 0;

    /// <summary>
    /// For volumes: the seed that draws the validation patients and the cross-validation folds; null: <see cref="Seed"/>.
    /// Set it to train other seeds on the same patients, since a split that moves with the seed mixes the luck of the
    /// patients with the luck of the training (nnU-Net keeps its splits apart from its trainings for the same reason).
    /// </summary>
    public int? SplitSeed { get; set; }

    /// <summary>The seed of weights, shuffling, augmentation and the slices kept (<see cref="TrainerOptions.Seed"/>, 1 when unset); also of the split unless <see cref="SplitSeed"/> is set.</summary>
    [JsonIgnore]
    public int Seed => Trainer.Seed ?? 1;

    /// <summary>The seed that draws the patients' split: <see cref="SplitSeed"/>, else <see cref="Seed"/>.</summary>
    [JsonIgnore]
    public int PatientSplitSeed => SplitSeed ?? Seed;

    /// <summary>A copy that later changes to this one do not affect.</summary>
    public TrainingRecipe Clone() => new()
    {
        Name = Name, Description = Description, Network = Network.Clone(), Trainer = Trainer.Clone(), ImageSize = ImageSize, SlidingWindow = SlidingWindow?.Clone(),
        ValidationFraction = ValidationFraction, NeighbourSlices = NeighbourSlices, EmptySliceFraction = EmptySliceFraction, RedrawEmptySlices = RedrawEmptySlices,
        ContextLabels = [.. ContextLabels], SmoothingRadius = SmoothingRadius, TestTimeShifts = TestTimeShifts,
        LabelFractions = LabelFractions, SplitSeed = SplitSeed,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Network, "TrainingRecipe.Network");
        ArgumentNullException.ThrowIfNull(Trainer, "TrainingRecipe.Trainer");
        Network.Validate();
        Trainer.Validate();
        if (SlidingWindow is not null)
        {
            SlidingWindow.Validate(Network.SizeMultiple);
            if (ImageSize < SlidingWindow.TileSize)
                throw new ArgumentException($"TrainingRecipe.ImageSize {ImageSize} must be at least the sliding window's tile, {SlidingWindow.TileSize}.");
        }
        else if (ImageSize < Network.SizeMultiple || ImageSize % Network.SizeMultiple != 0)
            throw new ArgumentException(
                $"TrainingRecipe.ImageSize {ImageSize} must be a positive multiple of 2^depth = {Network.SizeMultiple} (the network's depth is {Network.Depth}).");
        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
            throw new ArgumentException($"TrainingRecipe.ValidationFraction must be in [0, 1), got {ValidationFraction}.");
        if (!(EmptySliceFraction >= 0 && EmptySliceFraction <= 1))
            throw new ArgumentException($"TrainingRecipe.EmptySliceFraction must be in [0, 1], got {EmptySliceFraction}.");
        if (SmoothingRadius is < 0 or > MaxSmoothingRadius)
            throw new ArgumentException($"TrainingRecipe.SmoothingRadius must be in [0, {MaxSmoothingRadius}], got {SmoothingRadius}.");
        if (ContextLabels.Any(v => v <= 0) || ContextLabels.Distinct().Count() != ContextLabels.Length)
            throw new ArgumentException($"TrainingRecipe.ContextLabels must be distinct label values above 0 (0 is the background), got [{string.Join(", ", ContextLabels)}].");
        if (ContextLabels.Length > 0 && Network.OutputClasses != 1)
            throw new ArgumentException(
                $"TrainingRecipe.ContextLabels [{string.Join(", ", ContextLabels)}] add classes to a one-organ network, but Network.OutputClasses is {Network.OutputClasses}: " +
                "a model of several organs names them all (unet train --labels) and needs no context labels.");
    }

    /// <summary>Every setting, as indented JSON (what <c>unet train</c> prints and writes beside the model).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically.</summary>
    public void WriteJson(string path) => AtomicFile.Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(ToJson() + "\n")));

    /// <summary>
    /// The first setting in which this recipe differs from <paramref name="other"/>, as "Trainer.Epochs is 75, not 50"
    /// (the path of the field in <see cref="ToJson"/>), or null when every setting is the same. The
    /// <see cref="Description"/> is prose, not a setting, and is not compared; the split is compared by the seed that
    /// draws it (<see cref="PatientSplitSeed"/>), so an unset <see cref="SplitSeed"/> equals one set to the seed.
    /// </summary>
    public string? DifferenceFrom(TrainingRecipe other)
    {
        ArgumentNullException.ThrowIfNull(other);
        JsonNode? Settings(TrainingRecipe recipe)
        {
            var node = JsonNode.Parse(recipe.ToJson())!.AsObject();
            node.Remove(nameof(Description));
            node[nameof(SplitSeed)] = recipe.PatientSplitSeed;
            return node;
        }
        return SettingsComparison.Of(Settings(this), Settings(other), "").FirstOrDefault() is { } first
            ? $"{first.Path} is {first.Value}, not {first.OtherValue}" : null;
    }

    /// <summary>
    /// Each setting that chooses what a volume run trains on in which this recipe differs from <paramref name="other"/>:
    /// the slices (size, the sliding window's tile, neighbours, the organ-free share and how it is drawn, label
    /// fractions), the context labels, and any setting added later. Not compared: the name and description; the network
    /// and trainer, which a checkpoint holds and compares itself; the split, which a run is given as its patients; and
    /// what changes only how the model scores (smoothing, test-time shifts, the sliding window's overlap, blend and
    /// tiles per pass).
    /// </summary>
    /// <param name="other">The recipe compared with, usually the one a run to resume was trained with.</param>
    /// <returns>The differences with paths as "TrainingRecipe.EmptySliceFraction", this recipe's value first; empty when there are none.</returns>
    public IReadOnlyList<SettingDifference> DataDifferencesFrom(TrainingRecipe other)
    {
        ArgumentNullException.ThrowIfNull(other);
        JsonNode Settings(TrainingRecipe recipe)
        {
            var node = JsonNode.Parse(recipe.ToJson())!.AsObject();
            foreach (var name in new[] { nameof(Name), nameof(Description), nameof(Network), nameof(Trainer), nameof(ValidationFraction), nameof(SplitSeed),
                         nameof(SmoothingRadius), nameof(TestTimeShifts) })
                node.Remove(name);
            if (node[nameof(SlidingWindow)] is JsonObject window)
                foreach (var name in new[] { nameof(Inference.SlidingWindowOptions.Overlap), nameof(Inference.SlidingWindowOptions.Blend),
                             nameof(Inference.SlidingWindowOptions.TilesPerPass) })
                    window.Remove(name);
            return node;
        }
        return SettingsComparison.Of(Settings(this), Settings(other), nameof(TrainingRecipe));
    }

    /// <summary>Reads a recipe that <see cref="WriteJson"/> wrote (the <c>recipe.json</c> beside a trained model) and validates it.</summary>
    /// <exception cref="InvalidDataException">The file is not a recipe, or a setting in it is out of range; the message names the file.</exception>
    public static TrainingRecipe ReadJson(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            var recipe = JsonSerializer.Deserialize<TrainingRecipe>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"'{path}' holds null, not a training recipe.");
            recipe.ContextLabels ??= [];
            recipe.Validate();
            return recipe;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"'{path}' is not a valid training recipe: {e.Message}", e);
        }
    }
}
