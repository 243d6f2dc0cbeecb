using System.CommandLine;
using System.IO.Compression;
using Microsoft.ML;
using MLNet.UNet.Export;
using MLNet.UNet.Medical.Inference;
using Onnx;

namespace MLNet.UNet.Cli.Commands;

/// <summary><c>unet info</c>: what a model zip or ONNX model holds.</summary>
internal static class InfoCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var file = new Argument<FileInfo>("model") { Description = "A model.zip or .onnx file." };
        var command = new Command("info", """
            Show the inputs, outputs, threshold, slice smoothing default, plausibility record and network options of a model
            zip or ONNX model.

            Examples:
              unet info model/model.zip
              unet info model/model.onnx
            """)
        { file };
        command.SetAction(result => environment.Run(() =>
        {
            var path = result.GetValue(file)!;
            if (!path.Exists)
                throw new FileNotFoundException($"'{path.FullName}' does not exist.", path.FullName);
            var output = environment.Output;
            if (path.Extension.Equals(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                Describe(output, ParseOnnx(File.ReadAllBytes(path.FullName), path.FullName), path.Name);
                return ExitCodes.Success;
            }
            var context = environment.CreateContext();
            var (model, kind, inputSchema) = ModelKind.Load(context, path);
            // Disposing deletes the temporary copy of the ONNX model that ML.NET made while loading.
            using var loaded = model as IDisposable;
            output.WriteLine($"ML.NET model {path.FullName}");
            output.WriteLine($"  input: {(kind.TakesImageFiles ? "image files (ImagePath column)" : "Features column")}, images resized to {kind.Size} x {kind.Size}");
            foreach (var column in inputSchema)
                output.WriteLine($"  input column  {column.Name}: {column.Type}");
            foreach (var column in model.GetOutputSchema(inputSchema).Where(c => !c.IsHidden && inputSchema.GetColumnOrNull(c.Name) is null))
                output.WriteLine($"  output column {column.Name}: {column.Type}");
            if (!kind.TakesImageFiles)
            {
                output.WriteLine($"  volumes: probabilities averaged over {kind.SmoothingRadius} neighbour slice(s) on each side by default (--smooth-slices overrides)");
                output.WriteLine($"  volumes: test-time shifts {(kind.TestTimeShifts ? "on" : "off")} by default (--test-time-shifts true|false overrides)");
                output.WriteLine(kind.OutputShift == OutputShift.None
                    ? "  volumes: outputs at the pixels' centres (output shift 0)"
                    : $"  volumes: outputs put back on a volume's grid from where training placed its labels, {kind.OutputShift} past the pixels' centres");
                object? record = (object?)kind.Plausibility ?? kind.OrganPlausibility;
                output.WriteLine(record is null
                    ? "  no plausibility record: predictions are not checked"
                    : $"  plausibility record (each prediction is checked against it): {record}");
            }
            using var zip = ZipFile.OpenRead(path.FullName);
            foreach (var entry in zip.Entries.Where(e => e.Name == "OnnxModel"))
            {
                using var stream = entry.Open();
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                Describe(output, ParseOnnx(WithoutLengthPrefix(memory.ToArray()), entry.FullName), entry.FullName);
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    // ML.NET stores the ONNX bytes behind their length as a 32-bit integer.
    static byte[] WithoutLengthPrefix(byte[] bytes) =>
        bytes.Length >= 4 && BitConverter.ToInt32(bytes, 0) == bytes.Length - 4 ? bytes[4..] : bytes;

    static ModelProto ParseOnnx(byte[] bytes, string name)
    {
        try
        {
            var model = ModelProto.Parser.ParseFrom(bytes);
            if (model.Graph is null || model.Graph.Node.Count == 0)
                throw new InvalidDataException("it has no graph");
            return model;
        }
        catch (Exception e) when (e is Google.Protobuf.InvalidProtocolBufferException or InvalidDataException)
        {
            throw new InvalidDataException($"'{name}' is not an ONNX model ({e.Message}).", e);
        }
    }

    static void Describe(TextWriter output, ModelProto model, string name)
    {
        output.WriteLine($"ONNX model {name}: producer {model.ProducerName} {model.ProducerVersion}, IR {model.IrVersion}, " +
                         $"opset {string.Join(", ", model.OpsetImport.Select(o => o.Version))}, {model.Graph.Node.Count} nodes");
        foreach (var (role, values) in new[] { ("input", model.Graph.Input), ("output", model.Graph.Output) })
            foreach (var value in values)
                output.WriteLine($"  {role} {value.Name}: [{string.Join(", ", value.Type.TensorType.Shape.Dim.Select(d => d.DimParam is { Length: > 0 } p ? p : d.DimValue.ToString()))}]");
        foreach (var property in model.MetadataProps)
            output.WriteLine(property.Key switch
            {
                OnnxExporter.NetworkOptionsKey => $"  network: {property.Value}",
                MLNet.UNet.Threshold.SavedModelThreshold.MetadataKey => $"  threshold: {property.Value}",
                _ => $"  {property.Key}: {property.Value}",
            });
    }
}
