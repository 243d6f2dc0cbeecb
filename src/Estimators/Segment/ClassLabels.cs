namespace MLNet.UNet.Segment;

/// <summary>Mask values to class indices, for several classes.</summary>
internal static class ClassLabels
{
    /// <summary>The label value of each class when none are given: the class indices themselves.</summary>
    public static float[] Identity(int classes) => [.. Enumerable.Range(0, classes).Select(c => (float)c)];

    /// <summary>
    /// Turns every value of <paramref name="mask"/> into the index of the class whose label value is nearest, in place
    /// (ResizeImages makes the edges between organs in-between values); a value beyond half a step outside the label values
    /// is refused with <paramref name="where"/> naming it. Returns whether any pixel is of a class other than 0.
    /// </summary>
    public static bool ToIndices(float[] mask, float[] labelValues, string where)
    {
        float lowest = labelValues.Min(), highest = labelValues.Max();
        float margin = labelValues.Length > 1 ? (highest - lowest) / (labelValues.Length - 1) / 2 : 0.5f;
        bool any = false;
        for (int i = 0; i < mask.Length; i++)
        {
            float v = mask[i];
            if (!(v >= lowest - margin && v <= highest + margin))
                throw new InvalidOperationException(
                    $"{where}: value {v} at pixel {i} is not near any class's label value ({string.Join(", ", labelValues)}); " +
                    "give the value of each class in the masks (UNetSegmentOptions.LabelValues).");
            int nearest = 0;
            for (int c = 1; c < labelValues.Length; c++)
                if (Math.Abs(labelValues[c] - v) < Math.Abs(labelValues[nearest] - v))
                    nearest = c;
            mask[i] = nearest;
            any |= nearest > 0;
        }
        return any;
    }
}
