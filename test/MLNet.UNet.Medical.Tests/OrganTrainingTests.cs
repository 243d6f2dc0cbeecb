using Microsoft.ML;
using MLNet.UNet.Medical.Inference;
using MLNet.UNet.Medical.Nifti;
using MLNet.UNet.Medical.Plausibility;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Stress;
using MLNet.UNet.Medical.Training;
using MLNet.UNet.Medical.Volumes;
using MLNet.UNet.Recipes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Two organs in one model: trained on synthetic volumes, evaluated per organ, and the organ list kept in the zip.</summary>
public sealed class OrganTrainingTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("unet-organs-tests-").FullName;

    // A bright ball (label 1) on the left and a grey block (label 4) on the right, with a little texture.
    static PatientVolume TwoOrgans(string id, int shift) => SyntheticPatients.BallAndBlock(id, shift, blockIntensity: 120);

    [Fact]
    public void TwoOrgansAreLearnedAndEvaluatedEachOnItsOwn()
    {
        var patients = new[] { TwoOrgans("a", 0), TwoOrgans("b", 2), TwoOrgans("c", -2), TwoOrgans("d", 1) };
        var recipe = TrainingRecipes.Quick();
        recipe.ImageSize = 32;
        recipe.Network = new Networks.UNetOptions { Depth = 2, BaseFilters = 8, BatchNorm = true };
        recipe.Trainer.Epochs = 25;
        recipe.Trainer.BatchSize = 6;
        recipe.Trainer.Augmentation = Transforms.AugmentationOptions.None;
        var organs = OrganLabels.Parse("liver=1,spleen=4");

        var result = OrganTraining.Run(new MLContext(seed: 1), recipe, patients, new PatientFold(["a", "b", "c"], ["d"]), organs,
            new VolumeTrainingOptions { OutputFolder = folder, Stress = true });

        Assert.Equal(["liver", "spleen"], result.Evaluation!.Organs.Select(o => o.Organ));
        Assert.All(result.History, epoch => Assert.Equal(2, epoch.ValidationDicePerClass!.Count));
        foreach (var (organ, report) in result.Evaluation.Organs)
            Assert.True(report.Patients[0].Metrics.Dice > 0.8, $"{organ}: 3D Dice {report.Patients[0].Metrics.Dice:F3}");
        // The stress test scores every organ under every shift; unshifted, it is the evaluation itself.
        Assert.Equal(["none", .. IntensityShift.Standard.Select(s => s.Name)], result.Stress!.Select(r => r.Shift));
        Assert.Equal(result.Evaluation.MeanDice, result.Stress![0].Report.MeanDice, 12);
        double LiverDice(string shift) => result.Stress.Single(r => r.Shift == shift).Report.Organs[0].Report.Raw["Dice"].Mean;
        Assert.True(LiverDice("liver x0.25") < LiverDice("none"), $"a ball darkened to the background's grey still scored {LiverDice("liver x0.25"):F3}");
        Assert.True(File.Exists(Path.Combine(folder, VolumeTraining.StressFile)));
        Assert.Empty(result.Stress[0].FlaggedPatients);
        Assert.Equal(["d"], result.Stress.Single(r => r.Shift == "liver x0.25").FlaggedPatients);
        var zip = Path.Combine(folder, VolumeTraining.ModelFile);
        Assert.Equal(organs.ToString(), OrganLabels.ReadFromModel(zip)!.ToString());
        var context = new MLContext();
        var (model, kind, _) = ModelKind.Load(context, new FileInfo(zip));
        using var loaded = (IDisposable)model;
        Assert.Equal((false, 32, 1, 0, false), (kind.TakesImageFiles, kind.Size, kind.Channels, kind.SmoothingRadius, kind.TestTimeShifts));
        using (var archive = System.IO.Compression.ZipFile.OpenRead(zip))
            Assert.NotNull(archive.GetEntry(SliceSmoothingDefault.EntryName)); // the recipe's 0, written, not merely absent

        // Each organ's plausibility record is in the zip; a patient whose liver is darkened to the background's grey is flagged, and as it is, it is not.
        var record = OrganPlausibility.ReadFromModel(zip)!;
        Assert.Equal(["liver", "spleen"], record.Organs.Select(o => o.Organ));
        Assert.All(record.Organs, o => Assert.Equal(3, o.Record!.Cases));
        var segmenter = new OrganSegmenter(context, model, kind.SliceOptions(), organs, postProcess: true, plausibility: record);
        var ordinary = segmenter.Segment("d", patients[3].Image);
        Assert.Empty(ordinary.Warnings);
        Assert.Equal(2, ordinary.Statistics.Count);
        // Stored right to left (RAS) for a model trained on LAS volumes, the volume is turned back to be scored, and its
        // class maps are the ordinary ones mirrored onto its own grid.
        var image = patients[3].Image;
        var mirrored = new Volume(Mirrored(image.Data, image), image.SizeX, image.SizeY, image.SizeZ, image.SpacingX, image.SpacingY, image.SpacingZ,
            new NiftiHeader { Rank = 3, Dimensions = [image.SizeX, image.SizeY, image.SizeZ], Spacing = [image.SpacingX, image.SpacingY, image.SpacingZ],
                SFormCode = 1, SForm = [image.SpacingX, 0, 0, 0, 0, image.SpacingY, 0, 0, 0, 0, image.SpacingZ, 0] });
        var trainedLas = record with { Geometry = InputGeometry.Of(image) with { AxisCodes = "LAS" } };
        var turned = new OrganSegmenter(context, model, kind.SliceOptions(), organs, postProcess: true, plausibility: trainedLas).Segment("d-mirrored", mirrored);
        Assert.Equal("RAS", turned.ReorientedFrom);
        Assert.Empty(turned.Warnings);
        Assert.Equal(Mirrored(ordinary.Classes, image), turned.Classes);
        Assert.Equal(Mirrored(ordinary.RawClasses, image), turned.RawClasses);
        // At twice the network's size, test-time shifts average four passes' class probabilities before each voxel takes its class.
        var doubled = SyntheticPatients.Doubled(patients[3]);
        var shifted = new OrganSegmenter(context, model, kind.SliceOptions(), organs, postProcess: true, testTimeShifts: true).Segment("d2", doubled.Image);
        foreach (var (value, organ) in new[] { (1f, 1), (4f, 2) })
        {
            int truthVoxels = doubled.Label.Data.Count(v => v == value), found = shifted.Classes.Count(c => c == organ);
            int overlap = Enumerable.Range(0, doubled.Label.Data.Length).Count(i => doubled.Label.Data[i] == value && shifted.Classes[i] == organ);
            Assert.True(2.0 * overlap / (truthVoxels + found) > 0.8, $"class {organ}: 3D Dice {2.0 * overlap / (truthVoxels + found):F3} with test-time shifts");
        }
        var darkened = segmenter.Segment("d-dark", IntensityShift.Standard.Single(s => s.Name == "liver x0.25").Apply(patients[3]).Image);
        // Darkened, the ball is no longer the brightest thing, so the model takes the grey block for it and loses the block:
        // whichever organ goes wrong, the case is flagged, and each warning names its organ.
        Assert.NotEmpty(darkened.Warnings);
        Assert.All(darkened.Warnings, w => Assert.Matches("^(liver|spleen): ", w));
        // Returned raw, the class maps are checked, and recorded, as post-processed, and the warnings say so.
        var rawSegmenter = new OrganSegmenter(context, model, kind.SliceOptions(), organs, postProcess: false, plausibility: record);
        var rawDarkened = rawSegmenter.Segment("d-dark", IntensityShift.Standard.Single(s => s.Name == "liver x0.25").Apply(patients[3]).Image);
        Assert.Equal(darkened.RawClasses, rawDarkened.Classes);
        Assert.Equal(darkened.Warnings.Select(PlausibilityRecord.MeasuredPostProcessed), rawDarkened.Warnings);
        var trainingVolumes = patients[..3].Select(p => (p.PatientId, p.Image)).ToList();
        Assert.Equal(segmenter.Record(trainingVolumes).Organs.Select(o => o.Record), rawSegmenter.Record(trainingVolumes).Organs.Select(o => o.Record));

        // A shift of a structure no label holds changes nothing, and says so; the row equals the unshifted one.
        var stress = StressTest.Run(segmenter, [patients[3]], [new ScaledStructures("structure 9 x0.5", 0.5f, 9)]);
        Assert.Equal(["d"], stress[1].UnchangedPatients);
        Assert.Empty(stress[0].UnchangedPatients);
        Assert.Equal(stress[0].Report.MeanDice, stress[1].Report.MeanDice, 12);
        Assert.Contains("structure 9 x0.5 (left unchanged: d)", StressTest.ToTable(stress));
        Assert.Contains("evaluates patients d;", Assert.Throws<ArgumentException>(() => StressTest.Run(segmenter, [patients[2]], unshifted: stress[0])).Message);

        // A lazy sequence of patients is read once per row, and scores as the same patients in a list do.
        int reads = 0;
        IEnumerable<PatientVolume> Read() { foreach (var patient in patients[2..]) { reads++; yield return patient; } }
        var fromList = StressTest.Run(segmenter, patients[2..]);
        var fromSequence = StressTest.Run(segmenter, Read());
        Assert.Equal(2 * (1 + IntensityShift.StandardFor(organs).Count), reads);
        Assert.Equal(fromList.Select(r => (r.Shift, r.Report.MeanDice)), fromSequence.Select(r => (r.Shift, r.Report.MeanDice)));

        // One organ of the model, saved as a one-organ model: the organ's probability thresholded, its label value and its record.
        // It keeps the model's slice smoothing and test-time shift defaults too.
        new SliceSmoothingDefault(2).WriteInto(zip);
        new TestTimeShiftsDefault(true).WriteInto(zip);
        var spleenZip = Path.Combine(folder, "spleen.zip");
        ModelKind.Combine(context, [new FileInfo(zip)], spleenZip, organ: "spleen");
        var (spleenModel, spleenKind, _) = ModelKind.Load(context, new FileInfo(spleenZip));
        using var spleenLoaded = (IDisposable)spleenModel;
        Assert.Equal((0.5f, true, (OrganLabels?)null), (spleenKind.Threshold, spleenKind.Foreground!.IsExactly(4), spleenKind.Organs));
        Assert.Equal(record.Organs[1].Record! with { Geometry = record.Geometry }, spleenKind.Plausibility);
        Assert.NotNull(spleenKind.Plausibility!.Geometry);
        Assert.Equal((2, true), (spleenKind.SmoothingRadius, spleenKind.TestTimeShifts));
        var spleen = new VolumeSegmenter(context, spleenModel, spleenKind.SliceOptions(),
            new VolumeSegmenterOptions { PostProcess = true, Threshold = spleenKind.Threshold, Plausibility = spleenKind.Plausibility }).Segment("d", patients[3].Image);
        var truth = Array.ConvertAll(patients[3].Label.Data, v => v == 4);
        int both = Enumerable.Range(0, truth.Length).Count(i => truth[i] && spleen.Mask.Voxels[i]);
        Assert.True(2.0 * both / (truth.Count(v => v) + spleen.Mask.Voxels.Count(v => v)) > 0.8, "the spleen's one-organ model should find the spleen");
        Assert.Empty(spleen.Warnings);
        // Loading the model of several organs with an organ gives the same one-organ model.
        var (taken, takenKind, _) = ModelKind.Load(context, [new FileInfo(zip)], organ: "spleen");
        using var takenLoaded = (IDisposable)taken;
        Assert.Equal((spleenKind.Threshold, spleenKind.Plausibility, (OrganLabels?)null), (takenKind.Threshold, takenKind.Plausibility, takenKind.Organs));
        Assert.Contains("segments liver=1,spleen=4, not 'kidney-left'",
            Assert.Throws<ArgumentException>(() => ModelKind.Combine(context, [new FileInfo(zip)], Path.Combine(folder, "x.zip"), organ: "kidney-left")).Message);
        Assert.Contains("segments one organ", Assert.Throws<ArgumentException>(() => ModelKind.Combine(context, [new FileInfo(spleenZip)], Path.Combine(folder, "x.zip"), organ: "spleen")).Message);
        Assert.False(File.Exists(Path.Combine(folder, "x.zip")));
    }

    [Fact]
    public void OrganListsAreCheckedAsTheyAreRead()
    {
        Assert.Contains("not name=value", Assert.Throws<ArgumentException>(() => OrganLabels.Parse("liver:1")).Message);
        Assert.Contains("given to liver and spleen", Assert.Throws<ArgumentException>(() => OrganLabels.Parse("liver=1,spleen=1")).Message);
        Assert.Contains("0 is the background", Assert.Throws<ArgumentException>(() => OrganLabels.Parse("liver=0")).Message);
        Assert.Equal(2f, OrganLabels.ChaosAbdomen.ToMapping().Map(2));
        Assert.Equal(0f, OrganLabels.Parse("liver=1,spleen=4").ToMapping().Map(2));
    }

    // The voxels with x running the other way.
    static T[] Mirrored<T>(T[] voxels, Volume grid) =>
        [.. Enumerable.Range(0, voxels.Length).Select(i => voxels[i - i % grid.SizeX + grid.SizeX - 1 - i % grid.SizeX])];

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
