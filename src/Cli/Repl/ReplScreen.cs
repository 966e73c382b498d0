using System.Text;

namespace Duragent.Cli.Repl;

/// <summary>The looks of REPL output; colors only on a terminal.</summary>
internal enum ReplStyle
{
    Plain,
    Dim,
    Accent,
    Success,
    Warning,
    Error,
}

/// <summary>
/// The REPL's output. Events arrive on the stream task while the line editor may show a prompt: every write first
/// takes the prompt line away, and the prompt (with what was typed so far) comes back once the output is at the
/// start of a line again. Without a terminal there is no prompt and no escape code.
/// </summary>
internal sealed class ReplScreen
{
    private const string EraseLine = "\r\u001b[2K";

    private readonly TextWriter _output;
    private readonly Lock _lock = new();
    private bool _atLineStart = true;
    private bool _promptDrawn;
    private PromptLine? _prompt;

    public ReplScreen(TextWriter output, bool terminal, bool colors, Func<int>? width = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        Terminal = terminal;
        Colors = terminal && colors;
        Width = width ?? (() => 80);
    }

    /// <summary>True when the screen is a terminal: a prompt, redrawing.</summary>
    public bool Terminal { get; }

    /// <summary>True when ANSI colors are used (a terminal, and no <c>NO_COLOR</c>).</summary>
    public bool Colors { get; }

    /// <summary>The terminal's width in columns.</summary>
    public Func<int> Width { get; }

    /// <summary>Writes text where the output stands (streamed tokens).</summary>
    public void Write(string text, ReplStyle style = ReplStyle.Plain)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        lock (_lock)
        {
            ClearPrompt();
            _output.Write(Styled(text, style));
            _atLineStart = text[^1] == '\n';
            RestorePrompt();
            _output.Flush();
        }
    }

    /// <summary>Writes a whole line, starting a new one first if streamed text is pending.</summary>
    public void WriteLine(string text = "", ReplStyle style = ReplStyle.Plain)
    {
        lock (_lock)
        {
            ClearPrompt();
            if (!_atLineStart)
            {
                _output.Write('\n');
            }

            _output.Write(Styled(text, style));
            _output.Write('\n');
            _atLineStart = true;
            RestorePrompt();
            _output.Flush();
        }
    }

    /// <summary>Ends streamed text with a newline, if any is pending.</summary>
    public void EndLine()
    {
        lock (_lock)
        {
            if (!_atLineStart)
            {
                ClearPrompt();
                _output.Write('\n');
                _atLineStart = true;
                RestorePrompt();
                _output.Flush();
            }
        }
    }

    /// <summary>Shows (or updates) the prompt line being edited; drawn now, or once streamed output ends its line.</summary>
    public void ShowPrompt(string prompt, string buffer, int cursor)
    {
        if (!Terminal)
        {
            return;
        }

        lock (_lock)
        {
            _prompt = new PromptLine(prompt, buffer, cursor);
            if (_atLineStart)
            {
                DrawPrompt();
                _output.Flush();
            }
        }
    }

    /// <summary>The line was entered: it stays on screen as typed, and output continues below it.</summary>
    public void CommitPrompt()
    {
        if (!Terminal)
        {
            return;
        }

        lock (_lock)
        {
            if (_prompt is { } prompt)
            {
                if (!_promptDrawn)
                {
                    if (!_atLineStart)
                    {
                        _output.Write('\n');
                    }

                    _output.Write(prompt.Prompt + prompt.Buffer);
                }
                else
                {
                    // Redraw whole (not the scrolled window) so the transcript keeps what was sent.
                    _output.Write(EraseLine + prompt.Prompt + prompt.Buffer);
                }

                _output.Write('\n');
                _atLineStart = true;
            }

            _prompt = null;
            _promptDrawn = false;
            _output.Flush();
        }
    }

    /// <summary>Takes the prompt away without keeping it (detach, interrupt).</summary>
    public void DropPrompt()
    {
        if (!Terminal)
        {
            return;
        }

        lock (_lock)
        {
            ClearPrompt();
            _prompt = null;
            _output.Flush();
        }
    }

    /// <summary>Text with the ANSI color of <paramref name="style"/> on a terminal; as is otherwise.</summary>
    public string Styled(string text, ReplStyle style)
    {
        if (!Colors || style == ReplStyle.Plain)
        {
            return text;
        }

        var code = style switch
        {
            ReplStyle.Dim => "2",
            ReplStyle.Accent => "36",
            ReplStyle.Success => "32",
            ReplStyle.Warning => "33",
            ReplStyle.Error => "31",
            _ => "0",
        };

        // Color each line separately so a newline never carries the color into the prompt.
        var builder = new StringBuilder();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0)
            {
                builder.Append('\n');
            }

            if (lines[i].Length > 0)
            {
                builder.Append("\u001b[").Append(code).Append('m').Append(lines[i]).Append("\u001b[0m");
            }
        }

        return builder.ToString();
    }

    private void ClearPrompt()
    {
        if (_promptDrawn)
        {
            _output.Write(EraseLine);
            _promptDrawn = false;
        }
    }

    private void RestorePrompt()
    {
        if (_prompt is not null && _atLineStart)
        {
            DrawPrompt();
        }
    }

    // One screen line: the prompt and a window of the buffer around the cursor; the cursor is placed with \r + CUF.
    private void DrawPrompt()
    {
        var prompt = _prompt!;
        var room = Math.Max(10, Width() - prompt.Prompt.Length - 1);
        var start = 0;
        if (prompt.Buffer.Length > room)
        {
            start = Math.Clamp(prompt.Cursor - (room * 3 / 4), 0, prompt.Buffer.Length - room);
        }

        var visible = prompt.Buffer.Substring(start, Math.Min(room, prompt.Buffer.Length - start));
        var column = prompt.Prompt.Length + (prompt.Cursor - start);
        _output.Write(EraseLine + Styled(prompt.Prompt, ReplStyle.Accent) + visible + "\r");
        if (column > 0)
        {
            _output.Write($"\u001b[{column}C");
        }

        _promptDrawn = true;
    }

    private sealed record PromptLine(string Prompt, string Buffer, int Cursor);
}
