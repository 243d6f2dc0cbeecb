using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MLNet.UNet.Examples;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Recipes;

// Liver in abdominal MRI (CHAOS T2-SPIR) with the liver-mri recipe: trains on 12 patients (the network learns the
// kidneys and spleen beside the liver, and the model keeps the liver), evaluates the 3 held out in 3D (with the stress
// test), and writes the liver's model zip, metrics, overlays and a training curve. Overrides, other
// recipes and cross-validation are flags of the tool: unet train --volumes DIR --recipe liver-mri [--epochs N] [--folds 5].
// Usage: dotnet run -c Release --project src/Examples/LiverMri -- [data folder] [output folder]
var dataFolder = args.Length > 0 ? Path.GetFullPath(args[0]) : FindSharedData();
var outputFolder = Path.GetFullPath(args.Length > 1 ? args[1] : Path.Combine("artifacts", "liver-mri"));
if (dataFolder is null || !Directory.Exists(dataFolder))
{
    Console.Error.WriteLine("The CHAOS data was not found (looked for shared/data/chaos-mr-t2 beside the repository); " +
                            "give the folder with image_<id>.nii.gz and label_<id>.nii.gz as the first argument.");
    return 1;
}
// Figures on the console with a decimal point, like the report tables, whatever the machine's culture.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var clock = Stopwatch.StartNew();
var recipe = TrainingRecipes.LiverMri();
Console.WriteLine($"Reading CHAOS MR T2-SPIR volumes from {dataFolder} ...");
var patients = PatientVolume.ReadFolder(dataFolder);
var split = PatientSplit.Holdout(patients, recipe);
var progress = new ConsoleProgress();
VolumeTraining.Run(new MLContext(recipe.Seed), recipe, patients, split, new VolumeTrainingOptions
{
    OutputFolder = outputFolder, Stress = true, Progress = progress.Report, Log = Console.Out,
});
Console.WriteLine($"Done in {clock.Elapsed:hh\\:mm\\:ss}.");
return 0;

// shared/data/chaos-mr-t2 in the current folder or one of its parents (the CI layout puts shared beside the clone).
static string? FindSharedData()
{
    for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
    {
        var candidate = Path.Combine(folder.FullName, "shared", "data", "chaos-mr-t2");
        if (Directory.Exists(candidate))
            return candidate;
    }
    return null;
}
