using MLNet.UNet.Training;

namespace MLNet.UNet.Examples;

/// <summary>Plots training loss and validation Dice per epoch with ScottPlot.</summary>
internal static class TrainingCurve
{
    public static void Write(string path, IReadOnlyList<EpochSummary> history)
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = history.Select(e => (double)e.Epoch).ToArray();
        var loss = plot.Add.Scatter(epochs, history.Select(e => e.TrainingLoss).ToArray());
        loss.LegendText = "training loss";
        var withValidation = history.Where(e => e.ValidationDice is not null).ToList();
        if (withValidation.Count > 0)
        {
            var dice = plot.Add.Scatter(withValidation.Select(e => (double)e.Epoch).ToArray(),
                withValidation.Select(e => e.ValidationDice!.Value).ToArray());
            dice.LegendText = "validation Dice (2D, per slice)";
            dice.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "validation Dice";
        }
        plot.Axes.Left.Label.Text = "loss";
        plot.Axes.Bottom.Label.Text = "epoch";
        plot.Title("U-Net training, CHAOS MR T2-SPIR liver");
        plot.ShowLegend();
        AtomicFile.WriteVia(path, temporary => plot.SavePng(temporary, 900, 500));
    }
}
