using System.CommandLine;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Runtime;

namespace MLNet.UNet.Cli.Commands;

/// <summary>
/// <c>unet train</c>: picks a recipe, overrides single fields from the flags, and trains on images or volumes (one
/// split, or a cross-validation by patient). It holds no defaults of its own.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var images = CommandOptions.Images();
        var masks = CommandOptions.Masks();
        var volumes = CommandOptions.Volumes();
        var output = CommandOptions.Output("unet-model");
        var recipe = new RecipeOptions();
        var channels = new Option<int>("--channels") { Description = "For --images: 1 (gray) or 3 (RGB) image channels.", DefaultValueFactory = _ => 1 };
        channels.AcceptOnlyFromAmong("1", "3");
        var folds = new Option<int?>("--folds") { Description = "For --volumes: cross-validate by patient in this many folds, each in its own folder, instead of one split." };
        var fold = new Option<int?>("--fold") { Description = "With --folds: run only this fold (1-based), and combine it with the folds already in the output folder." };
        var labels = new Option<string?>("--labels")
        {
            Description = "For --volumes: one model for several organs, each named with its label value, e.g. liver=1,kidney-right=2,kidney-left=3,spleen=4 " +
                "(any subset, any names). Without it, the liver alone.",
        };
        var stress = new Option<bool>("--stress") { Description = "For --volumes: also score the validation patients under fixed intensity shifts (stress.json)." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in the output folder." };
        var overwrite = new Option<bool>("--overwrite")
        {
            Description = "Replace the trained run already in the output folder (its model and checkpoint); without it, train refuses to.",
        };
        var threads = CommandOptions.Threads();
        var maxPixels = CommandOptions.MaxImagePixels();

        var command = new Command("train", """
            Train a U-Net on image/mask pairs or NIfTI volumes, with a recipe whose single fields the flags override.

            Examples:
              unet train --images data/train --output model --epochs 30
              unet train --volumes ../shared/data/chaos-mr-t2 --recipe liver-mri -o liver
              unet train --volumes ../shared/data/chaos-mr-t2 --recipe liver-mri --folds 5 --fold 2 -o liver-cv
              unet train --volumes ../shared/data/chaos-mr-t2 --recipe abdomen-mri --labels liver=1,kidney-right=2,kidney-left=3,spleen=4 -o abdomen
              unet train --volumes ../shared/data/chaos-mr-t2 --recipe abdomen-mri --labels liver=1,kidney-right=2,kidney-left=3,spleen=4 --folds 5 --fold 1 -o abdomen-cv
              unet train --images data/train --output model --resume     (after an interruption)
            """)
        {
            images, masks, volumes, output, channels, labels, folds, fold, stress, resume, overwrite, threads, maxPixels,
        };
        foreach (var option in recipe.All)
            command.Options.Add(option);
        command.SetAction(result => environment.Run(() =>
        {
            CommandOptions.RequireExisting(result.GetValue(images), images);
            CommandOptions.RequireExisting(result.GetValue(masks), masks);
            CommandOptions.RequireExisting(result.GetValue(volumes), volumes);
            bool onVolumes = result.GetValue(volumes) is not null;
            if ((result.GetValue(images) is null) == !onVolumes)
                throw new ArgumentException("Give exactly one of --images and --volumes.");
            if (!onVolumes && (recipe.VolumeOnlyFlag(result) ?? (result.GetValue(folds) is not null ? folds.Name : result.GetValue(stress) ? stress.Name : null)) is { } flag)
                throw new ArgumentException($"{flag} applies to --volumes only.");
            if (onVolumes && result.GetResult(channels) is { Implicit: false })
                throw new ArgumentException("--channels applies to --images only; for more channels from volumes, give --neighbour-slices k (2k + 1 channels).");
            if (result.GetValue(fold) is not null && result.GetValue(folds) is null)
                throw new ArgumentException("--fold needs --folds: give the number of folds as well, for example --folds 5 --fold 2.");
            if (result.GetValue(folds) is not null && recipe.HasValidationFlag(result))
                throw new ArgumentException("--validation does not apply with --folds: each fold holds out its own patients.");
            if (result.GetValue(folds) is not null && recipe.HasKeepEpochFlag(result))
                throw new ArgumentException("--keep-epoch does not apply with --folds: each fold keeps its last epoch, since its held-out patients must choose nothing.");
            OrganLabels? organs = null;
            if (result.GetValue(labels) is { } text)
            {
                if (!onVolumes)
                    throw new ArgumentException("--labels trains several organs on --volumes.");
                organs = CommandOptions.ParseLabels(text);
            }
            var effective = recipe.Effective(result);
            // The recipe is checked as the run will check it, before any folder is made or anything printed.
            if (onVolumes && organs is null)
                VolumeTraining.CheckRecipe(effective);
            else if (organs is not null)
                OrganTraining.CheckRecipe(effective, organs);
            else
                effective.Validate();
            try
            {
                effective.Trainer.Device.Resolve();
            }
            catch (InvalidOperationException e) when (effective.Trainer.Device.Kind == TrainingDeviceKind.Cuda)
            {
                // Only a CUDA device asked for is the flag's fault; libtorch failing to load is not.
                throw new ArgumentException($"--device {effective.Trainer.Device}: {e.Message}", e);
            }
            environment.ApplyThreads(result.GetValue(threads));
            var requested = result.GetValue(output)!;
            if (result.GetValue(resume) && result.GetValue(overwrite))
                throw new ArgumentException("Give --resume (continue the run in the output folder) or --overwrite (replace it), not both.");
            var places = RunFolder.Places(requested, result.GetValue(folds), result.GetValue(fold));
            if (!result.GetValue(resume) && !result.GetValue(overwrite) && RunFolder.TrainedRun(requested, places) is { } trained)
                throw new ArgumentException($"--output '{requested.FullName}' already holds a trained run ({trained}): give --resume to continue it, " +
                                            "--overwrite to replace it, or another --output.");
            // With --output a/b/c, the parents made for it go too when the run leaves nothing; in a folder that exists,
            // only the fold folders missing now (a fold that another run starts there meanwhile, without a checkpoint
            // yet, would be taken for this run's: train one fold per run in parallel).
            var made = RunFolder.OutermostMissing(requested);
            var madePlaces = RunFolder.Missing(places);
            var folder = CommandOptions.EnsureFolder(requested);
            if (result.GetValue(overwrite))
                RunFolder.Clear(places);
            try
            {
                environment.Output.WriteLine($"Recipe {effective.Name} with the flags applied (written beside the model as recipe.json once the run trains):");
                environment.Output.WriteLine(effective.ToJson());
                var run = new TrainingRun(environment, folder, places, effective, result.GetValue(resume));
                return onVolumes
                    ? run.OnVolumes(result.GetValue(volumes)!, result.GetValue(folds), result.GetValue(fold), result.GetValue(stress), organs)
                    : run.OnImages(result.GetValue(images)!, result.GetValue(masks), result.GetValue(channels), result.GetValue(maxPixels));
            }
            catch (Exception)
            {
                RunFolder.RemoveUnlessResumable(folder, madePlaces, made);
                throw;
            }
        }));
        return command;
    }
}
