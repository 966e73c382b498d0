using Spectre.Console;

namespace Duragent.Cli.Repl;

/// <summary>The box printed above a chat or an attach: what the session is and how to leave it.</summary>
internal static class HeaderBox
{
    /// <summary>The box width when the terminal is wider (or there is no terminal): 64 columns.</summary>
    public const int MaxWidth = 64;

    public static void Write(TextWriter writer, bool colors, int terminalWidth, string title, IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(lines);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colors ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colors ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = Math.Clamp(terminalWidth, 20, MaxWidth);
        var body = string.Join('\n', lines.Select(Markup.Escape));
        var panel = new Panel(new Markup(body))
        {
            Header = new PanelHeader($" {Markup.Escape(title)} "),
            Border = BoxBorder.Rounded,
            Expand = true,
            Padding = new Padding(1, 0, 1, 0),
        };
        console.Write(panel);
        writer.Flush();
    }
}
