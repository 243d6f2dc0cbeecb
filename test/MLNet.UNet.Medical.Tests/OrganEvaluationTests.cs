using Microsoft.ML;
using MLNet.UNet.Medical.Metrics;
using MLNet.UNet.Medical.Slices;
using MLNet.UNet.Medical.Volumes;

namespace MLNet.UNet.Medical.Tests;

/// <summary>Per-organ 3D metrics of a class map, on hand-built volumes whose answers are counted here.</summary>
public class OrganEvaluationTests
{
    const int Size = 16, Depth = 4;

    sealed class ScoredSlice
    {
        public string PatientId { get; set; } = "";
        public int SliceIndex { get; set; }
        public float[] Probability { get; set; } = [];
    }

    [Fact]
    public void EachOrganIsScoredAgainstItsOwnLabelAndPostProcessedOnItsOwn()
    {
        // Truth: organ 1 (label 1) a block at x 2..5, organ 2 (label 4, as the CHAOS spleen) a block at x 9..12.
        static int Truth(int x, int y) => x is >= 2 and <= 5 && y is >= 3 and <= 10 ? 1 : x is >= 9 and <= 12 && y is >= 3 and <= 10 ? 4 : 0;
        // Prediction: organ 1 exact; organ 2 one voxel to the right, plus a stray voxel far away that post-processing removes.
        static int Predicted(int x, int y, int z) =>
            x is >= 2 and <= 5 && y is >= 3 and <= 10 ? 1 : x is >= 10 and <= 13 && y is >= 3 and <= 10 ? 2 : x == 14 && y == 14 && z == 0 ? 2 : 0;
        var label = new float[Size * Size * Depth];
        var rows = new List<ScoredSlice>();
        for (int z = 0; z < Depth; z++)
        {
            var probability = new float[3 * Size * Size];
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                {
                    label[(z * Size + y) * Size + x] = Truth(x, y);
                    probability[Predicted(x, y, z) * Size * Size + y * Size + x] = 0.9f; // the other classes stay at 0
                }
            rows.Add(new ScoredSlice { PatientId = "p", SliceIndex = z, Probability = probability });
        }
        var patient = new PatientVolume("p", new Volume(new float[label.Length], Size, Size, Depth), new Volume(label, Size, Size, Depth));
        var context = new MLContext();
        var mapping = new LabelMapping(new Dictionary<int, int> { [1] = 1, [4] = 2 });

        var report = VolumeEvaluator.EvaluateOrgans(context.Data.LoadFromEnumerable(rows), [patient], mapping, ["liver", "spleen"]);

        Assert.Equal(["liver", "spleen"], report.Organs.Select(o => o.Organ));
        var liver = report.Organs[0].Report.Patients.Single();
        Assert.Equal(1, liver.Metrics.Dice, 12);
        Assert.Equal(0, liver.Metrics.Hd95!.Value, 12);
        // Spleen: 4 x 8 x 4 = 128 voxels each, 3 x 8 x 4 = 96 shared; the stray voxel adds one predicted voxel before post-processing.
        var spleen = report.Organs[1].Report.Patients.Single();
        Assert.Equal(2.0 * 96 / (129 + 128), spleen.Metrics.Dice, 12);
        Assert.Equal(2.0 * 96 / (128 + 128), spleen.PostProcessed.Dice, 12);
        Assert.Equal((1 + 2.0 * 96 / 257) / 2, report.MeanDice, 12);
        Assert.Contains("| spleen |", report.ToTable());

        var error = Assert.Throws<ArgumentException>(() => VolumeEvaluator.EvaluateOrgans(context.Data.LoadFromEnumerable(rows), [patient], mapping, ["liver"]));
        Assert.Contains("1 organ names for 2 classes", error.Message);
    }
}
