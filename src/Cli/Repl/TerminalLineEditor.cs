using System.Text;

namespace Duragent.Cli.Repl;

/// <summary>
/// A small line editor for the terminal: ←/→, Home/End (Ctrl-A/E), Backspace/Delete, ↑/↓ through the history,
/// Ctrl-U/K (kill to start/end), Ctrl-W (kill a word), Ctrl-L (clear the screen), Enter, Ctrl-D (end of input on an
/// empty line), Ctrl-C (interrupt). Keys are read on their own thread; the prompt is drawn through
/// <see cref="ReplScreen"/> so streamed output can pass above it.
/// </summary>
internal sealed class TerminalLineEditor(ReplScreen screen, InputHistory history) : ILineReader
{
    private static readonly TimeSpan KeyPoll = TimeSpan.FromMilliseconds(15);

    public Task<LineResult> ReadLineAsync(string prompt, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Read(prompt, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private LineResult Read(string prompt, CancellationToken cancellationToken)
    {
        var buffer = new StringBuilder();
        var cursor = 0;
        var historyIndex = history.Entries.Count;
        string? draft = null;
        var treatControlC = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            screen.ShowPrompt(prompt, string.Empty, 0);
            while (true)
            {
                while (!Console.KeyAvailable)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        screen.DropPrompt();
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    Thread.Sleep(KeyPoll);
                }

                var key = Console.ReadKey(intercept: true);
                var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        var line = buffer.ToString();
                        screen.ShowPrompt(prompt, line, line.Length);
                        screen.CommitPrompt();
                        history.Add(line);
                        return new LineResult(LineKind.Line, line);
                    case ConsoleKey.C when control:
                        screen.ShowPrompt(prompt, buffer + "^C", buffer.Length + 2);
                        screen.CommitPrompt();
                        return LineResult.Interrupted;
                    case ConsoleKey.D when control:
                        if (buffer.Length == 0)
                        {
                            screen.DropPrompt();
                            return LineResult.EndOfInput;
                        }

                        if (cursor < buffer.Length)
                        {
                            buffer.Remove(cursor, 1);
                        }

                        break;
                    case ConsoleKey.Backspace:
                        if (cursor > 0)
                        {
                            buffer.Remove(--cursor, 1);
                        }

                        break;
                    case ConsoleKey.Delete:
                        if (cursor < buffer.Length)
                        {
                            buffer.Remove(cursor, 1);
                        }

                        break;
                    case ConsoleKey.LeftArrow:
                    case ConsoleKey.B when control:
                        cursor = Math.Max(0, cursor - 1);
                        break;
                    case ConsoleKey.RightArrow:
                    case ConsoleKey.F when control:
                        cursor = Math.Min(buffer.Length, cursor + 1);
                        break;
                    case ConsoleKey.Home:
                    case ConsoleKey.A when control:
                        cursor = 0;
                        break;
                    case ConsoleKey.End:
                    case ConsoleKey.E when control:
                        cursor = buffer.Length;
                        break;
                    case ConsoleKey.U when control:
                        buffer.Remove(0, cursor);
                        cursor = 0;
                        break;
                    case ConsoleKey.K when control:
                        buffer.Remove(cursor, buffer.Length - cursor);
                        break;
                    case ConsoleKey.W when control:
                        var start = cursor;
                        while (start > 0 && buffer[start - 1] == ' ')
                        {
                            start--;
                        }

                        while (start > 0 && buffer[start - 1] != ' ')
                        {
                            start--;
                        }

                        buffer.Remove(start, cursor - start);
                        cursor = start;
                        break;
                    case ConsoleKey.L when control:
                        Console.Out.Write("\u001b[2J\u001b[H");
                        break;
                    case ConsoleKey.UpArrow:
                    case ConsoleKey.P when control:
                        if (historyIndex > 0)
                        {
                            draft ??= buffer.ToString();
                            historyIndex--;
                            Replace(buffer, history.Entries[historyIndex], ref cursor);
                        }

                        break;
                    case ConsoleKey.DownArrow:
                    case ConsoleKey.N when control:
                        if (historyIndex < history.Entries.Count)
                        {
                            historyIndex++;
                            Replace(buffer, historyIndex == history.Entries.Count ? draft ?? string.Empty : history.Entries[historyIndex], ref cursor);
                            if (historyIndex == history.Entries.Count)
                            {
                                draft = null;
                            }
                        }

                        break;
                    case ConsoleKey.Escape:
                        break;
                    default:
                        if (key.KeyChar == '\t')
                        {
                            buffer.Insert(cursor, "    ");
                            cursor += 4;
                        }
                        else if (!char.IsControl(key.KeyChar))
                        {
                            buffer.Insert(cursor++, key.KeyChar);
                        }

                        break;
                }

                screen.ShowPrompt(prompt, buffer.ToString(), cursor);
            }
        }
        finally
        {
            Console.TreatControlCAsInput = treatControlC;
        }
    }

    private static void Replace(StringBuilder buffer, string text, ref int cursor)
    {
        buffer.Clear().Append(text);
        cursor = buffer.Length;
    }
}
