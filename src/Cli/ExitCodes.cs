namespace Duragent.Cli;

/// <summary>The process exit codes of <c>duragent</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command failed (<c>error: …</c> on stderr), or a check failed (<c>doctor</c>, <c>agent validate</c>).</summary>
    public const int Error = 1;

    /// <summary>The command line itself was wrong: unknown command or option, missing or malformed argument.</summary>
    public const int Usage = 2;
}
