namespace MLNet.UNet.Serving.Uploads;

/// <summary>
/// A request the service refuses: the status (400, 413, 406, 503) and a detail that says what is wrong and what was
/// expected, answered as an RFC 7807 problem body.
/// </summary>
public sealed class UploadProblem(int status, string title, string detail) : Exception(detail)
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>A short summary of the kind of problem.</summary>
    public string Title { get; } = title;

    /// <summary>A 400: the upload or a field is not what was expected.</summary>
    public static UploadProblem BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Bad upload", detail);

    /// <summary>A 413: the upload is larger than the service's limits.</summary>
    public static UploadProblem TooLarge(string detail) => new(StatusCodes.Status413PayloadTooLarge, "Upload too large", detail);

    /// <summary>The problem response.</summary>
    public IResult ToResult() => Results.Problem(detail: Message, statusCode: Status, title: Title);
}
