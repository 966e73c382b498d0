namespace Duragent.Cli.Output;

/// <summary>
/// The streams a command talks to, and whether each is a terminal. Colors and cursor movement are used only on a
/// terminal and never when <c>NO_COLOR</c> is set or <c>TERM=dumb</c>; pipes and files get plain text.
/// </summary>
internal sealed class CliConsole
{
    private const string Red = "\u001b[31m";
    private const string Yellow = "\u001b[33m";
    private const string Reset = "\u001b[0m";

    public CliConsole(TextReader input, TextWriter output, TextWriter error, bool inputIsTerminal, bool outputIsTerminal, bool errorIsTerminal, bool colorAllowed = true)
    {
        In = input;
        Out = output;
        Error = error;
        InputIsTerminal = inputIsTerminal;
        OutputIsTerminal = outputIsTerminal;
        ErrorIsTerminal = errorIsTerminal;
        OutputColors = outputIsTerminal && colorAllowed;
        ErrorColors = errorIsTerminal && colorAllowed;
    }

    public TextReader In { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>True when stdin is a terminal (the REPL edits lines); false for pipes and files.</summary>
    public bool InputIsTerminal { get; }

    public bool OutputIsTerminal { get; }

    public bool ErrorIsTerminal { get; }

    /// <summary>True when stdout may carry ANSI escape codes.</summary>
    public bool OutputColors { get; }

    /// <summary>True when stderr may carry ANSI escape codes.</summary>
    public bool ErrorColors { get; }

    /// <summary>The process console.</summary>
    public static CliConsole FromProcess()
    {
        var colorAllowed = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        return new CliConsole(
            Console.In,
            Console.Out,
            Console.Error,
            !Console.IsInputRedirected,
            !Console.IsOutputRedirected,
            !Console.IsErrorRedirected,
            colorAllowed);
    }

    /// <summary>Prints <c>error: {message}</c> on stderr, red on a terminal.</summary>
    public void WriteError(string message) => Error.WriteLine(ErrorColors ? $"{Red}error:{Reset} {message}" : $"error: {message}");

    /// <summary>Prints <c>warning: {message}</c> on stderr, yellow on a terminal.</summary>
    public void WriteWarning(string message) => Error.WriteLine(ErrorColors ? $"{Yellow}warning:{Reset} {message}" : $"warning: {message}");
}
