using System.Diagnostics;
using System.Globalization;
using MLNet.UNet.Examples;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Slices;

// Liver in abdominal MRI (CHAOS T2-SPIR): trains a U-Net on a patient split of the shared data, evaluates the
// validation patients in 3D, and writes metrics, overlays, a training curve and the model zip. With --folds K it
// cross-validates by patient instead: K runs, each in its own folder, and the metrics of every patient together;
// --fold I runs only fold I and combines it with the folds already in the output folder (one fold per sitting).
// Usage: dotnet run -c Release --project src/Examples/LiverMri -- [--data DIR] [--output DIR] [--minutes M]
//        [--epochs N] [--size S] [--preset small|medium|seed] [--neighbour-slices K] [--empty-slices F] [--validation-patients K] [--seed N]
//        [--folds K [--fold I]] [--keep best|last] [--base-filters F] [--weight-averaging DECAY] [--elastic P] [--dice batch|image]
//        [--validation-dice pooled|image] [--fit-schedule-to-time] [--smooth-slices R]
var settings = LiverMriSettings.Parse(args);
if (settings is null)
    return 1;
var dataFolder = settings.DataFolder ?? LiverMriSettings.FindSharedData();
if (dataFolder is null || !Directory.Exists(dataFolder))
{
    Console.Error.WriteLine("The CHAOS data was not found (looked for shared/data/chaos-mr-t2 beside the repository); " +
                            "pass --data <folder with image_<id>.nii.gz and label_<id>.nii.gz>.");
    return 1;
}
// Figures on the console with a decimal point, like the report tables, whatever the machine's culture.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var clock = Stopwatch.StartNew();
Console.WriteLine($"Reading CHAOS MR T2-SPIR volumes from {dataFolder} ...");
var patients = PatientVolume.ReadFolder(dataFolder);
var ids = patients.Select(p => p.PatientId).ToList();
IReadOnlyList<PatientFold> folds;
try
{
    folds = settings.Folds is { } k ? PatientSplit.KFold(ids, k, settings.Seed) : [PatientSplit.TrainValidation(ids, settings.HeldOutPatients, settings.Seed)];
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"{e.Message} ({dataFolder})");
    return 1;
}

if (settings.Folds is null)
{
    Console.WriteLine($"{patients.Count} patients.");
    FoldRun.Run(settings, patients, folds[0], settings.OutputFolder);
}
else if (settings.Fold is { } only)
{
    Console.WriteLine($"{patients.Count} patients, fold {only} of a {folds.Count}-fold cross-validation by patient.");
    CrossValidation.RunFold(settings, patients, folds, only - 1, args);
    Console.WriteLine();
    var (combined, foldsIn) = CrossValidation.CombineFromFolders(settings.OutputFolder, folds);
    if (combined is not null)
        CrossValidation.Write(combined, settings.OutputFolder, $"{foldsIn} of {folds.Count} folds in {settings.OutputFolder}");
}
else
{
    Console.WriteLine($"{patients.Count} patients, {folds.Count}-fold cross-validation by patient.");
    var reports = new List<VolumeEvaluationReport>();
    for (int f = 0; f < folds.Count; f++)
    {
        Console.WriteLine();
        Console.WriteLine($"== Fold {f + 1} of {folds.Count} ({clock.Elapsed:hh\\:mm\\:ss} so far) ==");
        reports.Add(CrossValidation.RunFold(settings, patients, folds, f, args));
        // Rewritten after every fold, so that an interrupted cross-validation keeps the folds it finished.
        CrossValidation.Write(VolumeEvaluationReport.Combine(reports), settings.OutputFolder, $"{f + 1} of {folds.Count} folds");
    }
}
Console.WriteLine($"Done in {clock.Elapsed:hh\\:mm\\:ss}.");
return 0;
