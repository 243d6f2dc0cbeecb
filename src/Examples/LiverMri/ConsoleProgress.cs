using MLNet.UNet.Training;

namespace MLNet.UNet.Examples;

/// <summary>One line per epoch; on a terminal, also a live step line that is overwritten.</summary>
internal sealed class ConsoleProgress
{
    readonly bool live = !Console.IsOutputRedirected;

    public void Report(TrainingProgress p)
    {
        if (p.EpochCompleted)
        {
            if (live)
                Console.Write("\r" + new string(' ', 100) + "\r");
            Console.WriteLine($"  epoch {p.Epoch,3}/{p.Epochs}  loss {p.Loss:F4}  validation Dice {p.ValidationDice:F4}  " +
                              $"lr {p.LearningRate:E1}  {p.ImagesPerSecond:F1} images/s  about {p.TimeRemaining:hh\\:mm\\:ss} left");
        }
        else if (live)
        {
            Console.Write($"\r  epoch {p.Epoch,3}/{p.Epochs}  step {p.Step,4}/{p.StepsPerEpoch}  loss {p.Loss:F4}  {p.ImagesPerSecond:F1} images/s ");
        }
    }

    public void Done()
    {
        if (live)
            Console.Write("\r" + new string(' ', 100) + "\r");
    }
}
