namespace MLNet.UNet.Serving.Configuration;

/// <summary>One model zip to serve.</summary>
public sealed class ModelEntry
{
    /// <summary>The name requests use (the <c>model</c> form field).</summary>
    public string Name { get; set; } = "";

    /// <summary>The zip saved with <c>mlContext.Model.Save</c> (by the library, the QuickStart or <c>unet train</c>); relative paths are from the working directory.</summary>
    public string Path { get; set; } = "";
}
