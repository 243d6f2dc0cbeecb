namespace MLNet.UNet.Serving.Endpoints;

/// <summary>The probability summary of a JSON answer.</summary>
/// <param name="Min">The lowest probability the network gave.</param>
/// <param name="Mean">The mean probability.</param>
/// <param name="Max">The highest probability.</param>
public sealed record ProbabilitySummary(float Min, float Mean, float Max);

/// <summary>The JSON answer of <c>POST /segment</c>.</summary>
/// <param name="Model">The model that answered.</param>
/// <param name="Width">The mask's width: the input's.</param>
/// <param name="Height">The mask's height: the input's.</param>
/// <param name="Threshold">Foreground above this probability.</param>
/// <param name="ForegroundFraction">The fraction of the mask that is foreground.</param>
/// <param name="Probability">The network's probabilities: min, mean, max.</param>
/// <param name="MaskPng">The mask (0/255) as a base64 PNG.</param>
/// <param name="ProbabilityPng">The probabilities (0..255) as a base64 PNG, for thresholding on the client.</param>
public sealed record SegmentResponse(string Model, int Width, int Height, float Threshold, double ForegroundFraction,
    ProbabilitySummary Probability, string MaskPng, string ProbabilityPng);
