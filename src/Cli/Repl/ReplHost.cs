using Duragent.Cli.Client;
using Duragent.Cli.Output;
using Duragent.Sessions;

namespace Duragent.Cli.Repl;

/// <summary>
/// Builds the REPL for the console at hand: a line editor with history and colors when stdin and stdout are both
/// terminals; plain stdin lines and plain text otherwise.
/// </summary>
internal sealed class ReplHost
{
    public ReplHost(CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        Console = console;
        Terminal = console.InputIsTerminal && console.OutputIsTerminal;
        Screen = new ReplScreen(console.Out, Terminal, console.OutputColors, Terminal ? TerminalWidth : null);
    }

    public CliConsole Console { get; }

    /// <summary>True when the REPL edits lines on a terminal.</summary>
    public bool Terminal { get; }

    public ReplScreen Screen { get; }

    public int Width => Terminal ? TerminalWidth() : HeaderBox.MaxWidth;

    public void WriteHeader(string title, IEnumerable<string> lines) =>
        HeaderBox.Write(Console.Out, Screen.Colors, Width, title, lines);

    /// <summary>Runs the REPL on <paramref name="session"/> until the user detaches; returns the exit code.</summary>
    public async Task<int> RunAsync(ServerConnection connection, SessionInfo session, long afterSeq, bool resume, CancellationToken cancellationToken)
    {
        ILineReader reader = Terminal
            ? new TerminalLineEditor(Screen, new InputHistory(InputHistory.DefaultFile))
            : new PipedLineReader(Console.In);
        using var interrupts = new InterruptSource();
        var repl = new ChatRepl(connection, session, afterSeq, Screen, reader, interrupts);
        return await repl.RunAsync(resume, cancellationToken);
    }

    private static int TerminalWidth()
    {
        try
        {
            return System.Console.WindowWidth > 0 ? System.Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
