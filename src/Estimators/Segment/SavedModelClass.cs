using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.UNet.Export;
using Onnx;

namespace MLNet.UNet.Segment;

/// <summary>
/// One class of a saved U-Net of several classes, saved as a one-class model: the network's output reduced to that
/// class's probability (<see cref="OneClassModel"/>), then a threshold into a PredictedMask column, as a one-class
/// U-Net's zip is. It loads and scores with ML.NET alone, from the same input column as the source zip.
/// </summary>
public static class SavedModelClass
{
    /// <summary>Writes <paramref name="destination"/> (atomically): class <paramref name="classIndex"/> of <paramref name="source"/>'s network, thresholded.</summary>
    /// <param name="context">The context the pipeline is built with; ML.NET writes a copy of the ONNX model under its temporary folder meanwhile.</param>
    /// <param name="source">A model zip whose U-Net has several classes.</param>
    /// <param name="destination">The one-class zip to write.</param>
    /// <param name="classIndex">The class, from 1 (0 is the background).</param>
    /// <param name="threshold">The threshold of the PredictedMask column, in (0, 1).</param>
    /// <exception cref="InvalidDataException">The zip holds no MLNet.UNet network, or its input column is not in its input schema.</exception>
    /// <exception cref="ArgumentException">The network has one class, or not that one.</exception>
    public static void Write(MLContext context, string source, string destination, int classIndex, float threshold = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        if (classIndex < 1)
            throw new ArgumentOutOfRangeException(nameof(classIndex), classIndex, "A class from 1 is taken (0 is the background).");
        var network = SavedModelNetwork.Read(source);
        var onnx = OneClassModel.Take(network, classIndex);
        var graph = ModelProto.Parser.ParseFrom(onnx).Graph;
        string inputName = graph.Input[0].Name, outputName = graph.Output[0].Name;

        DataViewSchema inputSchema;
        var saved = SavedModelLoader.Load(context, source, out inputSchema);
        (saved as IDisposable)?.Dispose();
        var inputType = inputSchema.GetColumnOrNull(inputName)?.Type as VectorDataViewType
            ?? throw new InvalidDataException($"'{source}' does not take the network's input column '{inputName}' as a vector of floats.");
        var definition = SchemaDefinition.Create(typeof(InputRow));
        definition[0].ColumnName = inputName;
        definition[0].ColumnType = inputType;
        var empty = context.Data.LoadFromEnumerable(Array.Empty<InputRow>(), definition);

        using var probability = new ClassProbabilityTransformer(context, empty, onnx, outputName, inputName, classIndex);
        using var mask = context.Segmentation().Threshold("PredictedMask", outputName, threshold).Fit(probability.Transform(empty));
        var model = new TransformerChain<ITransformer>(probability, mask);
        AtomicFile.WriteVia(destination, temporary =>
        {
            using var stream = File.Create(temporary);
            context.Model.Save(model, inputSchema, stream);
        });
    }

    sealed class InputRow
    {
        public float[] Features { get; set; } = [];
    }
}
