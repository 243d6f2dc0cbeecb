namespace MLNet.UNet.Cli;

/// <summary>Maps what went wrong to the tool's exit codes: 1 for bad input, 2 for a failure.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int BadInput = 1;
    public const int Failure = 2;
    public const int Implausible = 3;
    public const int Interrupted = 130;

    public static bool IsBadInput(Exception e) => e is ArgumentException or InvalidDataException or FileNotFoundException
        or DirectoryNotFoundException or UnauthorizedAccessException or FormatException
        || (e is InvalidOperationException && e.InnerException is null && e.Message.Contains("column", StringComparison.OrdinalIgnoreCase));
}
