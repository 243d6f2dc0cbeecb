using MLNet.UNet.Medical.Inference;
using Microsoft.ML.Data;

namespace MLNet.UNet.Serving.Models;

/// <summary>The input row of an image-file model: the file its LoadImages reads.</summary>
sealed class ImageInput
{
    [ColumnName(ModelKind.ImagePathColumnName)]
    public string ImagePath { get; set; } = "";
}

/// <summary>What the service reads back: the probabilities, at the network's size. The mask is thresholded here,
/// since a request may ask for another threshold than the model's.</summary>
sealed class ImageProbabilities
{
    public float[] Probability { get; set; } = [];
}
