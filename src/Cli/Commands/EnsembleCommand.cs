using System.CommandLine;
using MLNet.UNet.Medical.Inference;

namespace MLNet.UNet.Cli.Commands;

/// <summary><c>unet ensemble</c>: several model zips (or one, with test-time flips or an organ to take) saved as one zip.</summary>
internal static class EnsembleCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var model = CommandOptions.Model();
        var organ = CommandOptions.EnsembleOrgan();
        var testTimeFlips = CommandOptions.TestTimeFlips();
        var output = new Option<FileInfo>("--output", "-o") { Description = "The zip to write.", Required = true };
        var command = new Command("ensemble", """
            Save what 'evaluate' and 'predict' score with several --model zips (and --organ, --tta) as one model zip: one
            ONNX graph that runs every network and averages their probabilities. It loads and scores with ML.NET alone;
            the first zip gives the pipeline, the threshold, the plausibility record and the slice smoothing and test-time shift
            defaults. One zip of several organs with --organ gives that organ's one-organ model (its probability thresholded
            at 0.5, its plausibility record, the zip's slice smoothing and test-time shift defaults).

            Examples:
              unet ensemble --model cv/fold-1/model.zip --model cv/fold-2/model.zip --model cv/fold-3/model.zip -o ensemble.zip
              unet ensemble --model liver/model.zip --model abdomen/model.zip --organ liver -o liver-vote.zip
              unet ensemble --model abdomen/model.zip --organ liver -o liver.zip
            """)
        { model, organ, testTimeFlips, output };
        command.SetAction(result => environment.Run(() =>
        {
            var zips = result.GetValue(model)!;
            var destination = result.GetValue(output)!;
            CommandOptions.RequireFilePath(destination, output);
            ModelKind.Combine(environment.CreateContext(), zips, destination.FullName, result.GetValue(testTimeFlips), result.GetValue(organ));
            environment.Output.WriteLine($"wrote {destination.FullName}: {zips.Length} model(s)" +
                                         (result.GetValue(organ) is { } name ? (zips.Length > 1 ? $" voting on {name}" : $", its {name} alone") : "") +
                                         (result.GetValue(testTimeFlips) ? ", with test-time flips" : "") + ".");
            return ExitCodes.Success;
        }));
        return command;
    }
}
