namespace MLNet.UNet.Serving.Endpoints;

/// <summary>What a response is written as.</summary>
public enum ResponseFormat
{
    /// <summary>The mask as a PNG.</summary>
    Png,

    /// <summary>A JSON summary with the mask (and probabilities) inside.</summary>
    Json,

    /// <summary>A NIfTI label map.</summary>
    Nifti,
}
