namespace Duragent.Gateway.Http.Problems;

/// <summary>Ends a request with <see cref="Problem"/>; the error middleware writes it. Not logged as a failure.</summary>
public sealed class ApiProblemException : Exception
{
    public ApiProblemException(ApiProblem problem)
        : base(problem?.ToString())
    {
        ArgumentNullException.ThrowIfNull(problem);
        Problem = problem;
    }

    /// <summary>The response.</summary>
    public ApiProblem Problem { get; }
}
