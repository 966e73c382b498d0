namespace Duragent.Cli.Repl;

/// <summary>How reading a line ended.</summary>
internal enum LineKind
{
    /// <summary>A line was entered.</summary>
    Line,

    /// <summary>End of input (Ctrl-D on an empty line, or the pipe closed).</summary>
    EndOfInput,

    /// <summary>Ctrl-C at the prompt.</summary>
    Interrupted,
}

/// <summary>A line read by the REPL.</summary>
internal readonly record struct LineResult(LineKind Kind, string Text = "")
{
    public static LineResult EndOfInput => new(LineKind.EndOfInput);

    public static LineResult Interrupted => new(LineKind.Interrupted);
}

/// <summary>Where the REPL's input comes from: a line editor on a terminal, or stdin lines from a pipe.</summary>
internal interface ILineReader
{
    /// <summary>Reads one line; <paramref name="prompt"/> is shown on a terminal only.</summary>
    Task<LineResult> ReadLineAsync(string prompt, CancellationToken cancellationToken);
}
