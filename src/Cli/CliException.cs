namespace Duragent.Cli;

/// <summary>
/// A failure to show the user as it is: <c>error: {Message}</c> on stderr and <see cref="ExitCode"/>, without a
/// stack trace. Anything else that escapes a command is printed the same way with its inner messages.
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(string message, int exitCode = ExitCodes.Error)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CliException(string message, Exception innerException, int exitCode = ExitCodes.Error)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    /// <summary>The process exit code: 1 for failures, 2 for usage errors.</summary>
    public int ExitCode { get; }
}
