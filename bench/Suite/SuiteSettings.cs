namespace MLNet.UNet.Bench;

/// <summary>Command-line settings of the suite and of one case run in a child process.</summary>
sealed class SuiteSettings
{
    public int Threads { get; private set; } = Environment.ProcessorCount;
    public int Steps { get; private set; } = 8;
    public int Runs { get; private set; } = 20;
    public string Output { get; private set; } = "bench/results";
    public string? Data { get; private set; }
    public string Python { get; private set; } = "/usr/bin/python3";
    public bool PyTorch { get; private set; } = true;
    public string? Only { get; private set; }
    public string? Case { get; private set; }
    public string? Network { get; private set; }
    public string? Folder { get; private set; }
    public int Size { get; private set; }
    public MLNet.UNet.Kernels.ConvolutionRoute? Route { get; private set; }

    /// <summary>Parses the arguments; prints what is wrong and returns null on a bad one.</summary>
    public static SuiteSettings? Parse(string[] args)
    {
        var settings = new SuiteSettings();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                int Positive() => int.TryParse(Next(), out int n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]} needs a positive whole number, got '{args[i]}'.");
                switch (args[i])
                {
                    case "--threads": settings.Threads = Positive(); break;
                    case "--steps": settings.Steps = Positive(); break;
                    case "--runs": settings.Runs = Positive(); break;
                    case "--output": settings.Output = Next(); break;
                    case "--data": settings.Data = Next(); break;
                    case "--python": settings.Python = Next(); break;
                    case "--no-pytorch": settings.PyTorch = false; break;
                    case "--only": settings.Only = Next(); break;
                    case "--case": settings.Case = Next(); break;
                    case "--network": settings.Network = Next(); break;
                    case "--folder": settings.Folder = Next(); break;
                    case "--size": settings.Size = Positive(); break;
                    case "--route":
                        settings.Route = Enum.TryParse<MLNet.UNet.Kernels.ConvolutionRoute>(Next(), ignoreCase: true, out var route) && Enum.IsDefined(route)
                            ? route
                            : throw new ArgumentException($"--route takes {string.Join(", ", Enum.GetNames<MLNet.UNet.Kernels.ConvolutionRoute>())}, got '{args[i]}'.");
                        break;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }
            if (settings.Only is { } only && BenchNetwork.All.All(n => n.Name != only))
                throw new ArgumentException($"--only takes {string.Join(", ", BenchNetwork.All.Select(n => n.Name))}, got '{only}'.");
            return settings;
        }
        catch (ArgumentException error)
        {
            Console.Error.WriteLine(error.Message);
            return null;
        }
    }

    /// <summary>Arguments that hand the shared settings to a child process.</summary>
    public IEnumerable<string> ChildArguments(string @case) =>
        ["--case", @case, "--threads", Threads.ToString(), "--steps", Steps.ToString(), "--runs", Runs.ToString()];
}
