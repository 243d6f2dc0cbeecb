using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MLNet.UNet.Recipes;

/// <summary>One setting in which two options objects differ: its path in their JSON and each one's value as JSON.</summary>
/// <param name="Path">The setting's path, as "TrainerOptions.Augmentation.MaxGammaChange".</param>
/// <param name="Value">The first object's value (<c>null</c> when it has none).</param>
/// <param name="OtherValue">The other object's value.</param>
public sealed record SettingDifference(string Path, string Value, string OtherValue);

/// <summary>
/// Compares two options objects setting by setting, through their JSON (enums by name, as <c>recipe.json</c> writes
/// them), so that a refusal can name each setting that differs instead of showing two documents to compare by eye.
/// </summary>
public static class SettingsComparison
{
    static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Every setting of <paramref name="settings"/> and <paramref name="other"/> that differs, in declaration order.</summary>
    /// <param name="settings">The first object (a checkpoint's options, a recipe).</param>
    /// <param name="other">The object compared with it.</param>
    /// <param name="root">What the paths start with, usually the type's name.</param>
    public static IReadOnlyList<SettingDifference> Of<T>(T settings, T other, string root) =>
        Of(JsonSerializer.SerializeToNode(settings, Json), JsonSerializer.SerializeToNode(other, Json), root);

    /// <summary>Every value of two JSON documents that differs, by path below <paramref name="root"/>.</summary>
    public static IReadOnlyList<SettingDifference> Of(JsonNode? settings, JsonNode? other, string root)
    {
        var differences = new List<SettingDifference>();
        Compare(settings, other, root, differences);
        return differences;
    }

    static void Compare(JsonNode? mine, JsonNode? theirs, string path, List<SettingDifference> differences)
    {
        if (mine is JsonObject a && theirs is JsonObject b)
        {
            foreach (var name in a.Select(p => p.Key).Union(b.Select(p => p.Key)))
                Compare(a[name], b[name], path.Length == 0 ? name : $"{path}.{name}", differences);
            return;
        }
        string Text(JsonNode? node) => node?.ToJsonString() ?? "null";
        if (Text(mine) != Text(theirs))
            differences.Add(new SettingDifference(path, Text(mine), Text(theirs)));
    }
}
