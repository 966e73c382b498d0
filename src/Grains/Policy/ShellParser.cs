using System.Text;

namespace Duragent.Policy;

/// <summary>
/// Splits a command line into words with POSIX shell quoting rules (single quotes, double quotes, backslash escapes,
/// backslash-newline) and records every construct that can do more than run one simple command.
/// </summary>
/// <remarks>
/// Conservative on purpose: it flags what bash <em>could</em> treat specially (every unquoted <c>$</c>, <c>{</c>,
/// <c>}</c>, <c>~</c>, glob character, non-ASCII character), not only what it certainly will. A flagged line is
/// never allowed by an allow pattern, so a false alarm costs an approval, never an escape. In pattern mode an unquoted
/// <c>*</c> is a wildcard instead of a hazard, and <c>?</c>, <c>[</c> are ordinary characters.
/// </remarks>
public static class ShellParser
{
    private const int MaxDepth = 8;

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "!", "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "select",
        "function", "time", "coproc", "[[", "]]", "{", "}", "in",
    };

    /// <summary>Parses a command line.</summary>
    public static ShellCommandLine Parse(string line) => Parse(line, pattern: false);

    /// <summary>Parses the body of a policy pattern (unquoted <c>*</c> is a wildcard).</summary>
    public static ShellCommandLine ParsePattern(string line) => Parse(line, pattern: true);

    private static ShellCommandLine Parse(string line, bool pattern)
    {
        ArgumentNullException.ThrowIfNull(line);
        var commands = new List<IReadOnlyList<ShellWord>>();
        var hazards = new List<string>();
        new Scanner(line, pattern, commands, hazards, 0).Run();
        return new ShellCommandLine(line, commands, hazards);
    }

    private sealed class Scanner(string s, bool pattern, List<IReadOnlyList<ShellWord>> commands, List<string> hazards, int depth)
    {
        private readonly StringBuilder _word = new();
        private readonly List<bool> _quoted = [];
        private List<ShellWord> _current = [];
        private int _i;
        private bool _inWord;
        private bool _hasQuotes;
        private bool _dropNextWord;

        public void Run()
        {
            if (depth > MaxDepth)
            {
                Hazard("substitutions nested too deep");
                return;
            }

            while (_i < s.Length)
            {
                var c = s[_i];
                switch (c)
                {
                    case ' ' or '\t':
                        EndWord();
                        _i++;
                        break;
                    case '\n':
                        Hazard("a newline (a second command)");
                        EndCommand();
                        _i++;
                        break;
                    case '\\':
                        Backslash();
                        break;
                    case '\'':
                        SingleQuoted();
                        break;
                    case '"':
                        DoubleQuoted();
                        break;
                    case '$':
                        Dollar(inDoubleQuotes: false);
                        break;
                    case '`':
                        Backtick();
                        break;
                    case ';':
                        Hazard("';' (a second command)");
                        EndCommand();
                        _i++;
                        break;
                    case '&' when Next(1) == '&':
                        Hazard("'&&' (a second command)");
                        EndCommand();
                        _i += 2;
                        break;
                    case '&' when Next(1) == '>':
                        Redirection();
                        break;
                    case '&':
                        Hazard("'&' (a background job)");
                        EndCommand();
                        _i++;
                        break;
                    case '|':
                        Hazard(Next(1) == '|' ? "'||' (a second command)" : "'|' (a pipe)");
                        EndCommand();
                        _i += Next(1) is '|' or '&' ? 2 : 1;
                        break;
                    case '<' or '>':
                        Redirection();
                        break;
                    case '(' or ')':
                        Hazard($"'{c}' (a subshell)");
                        EndCommand();
                        _i++;
                        break;
                    case '{' or '}':
                        Hazard($"'{c}' (brace expansion or a group)");
                        Append(c, quoted: false);
                        _i++;
                        break;
                    case '*' when pattern:
                        Append(c, quoted: false);
                        _i++;
                        break;
                    case '?' or '[' when pattern:
                        Append(c, quoted: true);
                        _i++;
                        break;
                    case '*' or '?' or '[':
                        Hazard($"'{c}' (pathname expansion)");
                        Append(c, quoted: false);
                        _i++;
                        break;
                    case '~':
                        Hazard("'~' (tilde expansion)");
                        Append(c, quoted: false);
                        _i++;
                        break;
                    case '#' when !_inWord:
                        Hazard("'#' (a comment)");
                        while (_i < s.Length && s[_i] != '\n')
                        {
                            _i++;
                        }

                        break;
                    default:
                        if (c < ' ' || c == '\u007f')
                        {
                            Hazard($"the control character U+{(int)c:X4}");
                        }
                        else if (c > '~')
                        {
                            Hazard($"the non-ASCII character U+{(int)c:X4} outside quotes");
                        }

                        Append(c, quoted: false);
                        _i++;
                        break;
                }
            }

            EndCommand();
        }

        private char Next(int offset) => _i + offset < s.Length ? s[_i + offset] : '\0';

        private void Hazard(string what)
        {
            if (!hazards.Contains(what))
            {
                hazards.Add(what);
            }
        }

        private void Append(char c, bool quoted)
        {
            _word.Append(c);
            _quoted.Add(quoted);
            _inWord = true;
        }

        private void Backslash()
        {
            if (_i + 1 >= s.Length)
            {
                Hazard("a trailing backslash");
                _i++;
                return;
            }

            if (s[_i + 1] == '\n')
            {
                Hazard("a backslash-newline (line continuation)");
                _hasQuotes = true;
                _i += 2;
                return;
            }

            CheckCharacter(s[_i + 1], quoted: true);
            Append(s[_i + 1], quoted: true);
            _i += 2;
        }

        private void CheckCharacter(char c, bool quoted)
        {
            if ((c < ' ' && c != '\t' && c != '\n') || c == '\u007f')
            {
                Hazard($"the control character U+{(int)c:X4}");
            }
            else if (c > '~' && !quoted)
            {
                Hazard($"the non-ASCII character U+{(int)c:X4} outside quotes");
            }
        }

        private void SingleQuoted()
        {
            _inWord = true;
            _hasQuotes = true;
            var end = s.IndexOf('\'', _i + 1);
            if (end < 0)
            {
                Hazard("an unterminated quote");
                end = s.Length;
            }

            for (var k = _i + 1; k < end; k++)
            {
                CheckCharacter(s[k], quoted: true);
                Append(s[k], quoted: true);
            }

            _i = Math.Min(end + 1, s.Length);
        }

        private void DoubleQuoted()
        {
            _inWord = true;
            _hasQuotes = true;
            _i++;
            while (_i < s.Length && s[_i] != '"')
            {
                var c = s[_i];
                if (c == '\\' && _i + 1 < s.Length && s[_i + 1] is '$' or '`' or '"' or '\\' or '\n')
                {
                    if (s[_i + 1] == '\n')
                    {
                        Hazard("a backslash-newline (line continuation)");
                    }
                    else
                    {
                        Append(s[_i + 1], quoted: true);
                    }

                    _i += 2;
                }
                else if (c == '$' && Next(1) != '"')
                {
                    Dollar(inDoubleQuotes: true);
                }
                else if (c == '`')
                {
                    Backtick();
                }
                else
                {
                    CheckCharacter(c, quoted: true);
                    Append(c, quoted: true);
                    _i++;
                }
            }

            if (_i >= s.Length)
            {
                Hazard("an unterminated quote");
            }

            _i++;
        }

        private void Dollar(bool inDoubleQuotes)
        {
            var next = Next(1);
            if (next == '(' && Next(2) == '(')
            {
                Hazard("'$((' (arithmetic expansion)");
                Nested(Balanced(_i + 2, '(', ')'));
                return;
            }

            if (next == '(')
            {
                Hazard("'$(' (command substitution)");
                Nested(Balanced(_i + 1, '(', ')'));
                return;
            }

            if (next == '{')
            {
                Hazard("'${' (parameter expansion)");
                Nested(Balanced(_i + 1, '{', '}'));
                return;
            }

            if (next == '\'' && !inDoubleQuotes)
            {
                Hazard("$'...' (ANSI-C quoting)");
                _i++;
                SingleQuoted();
                return;
            }

            if (next == '"' && !inDoubleQuotes)
            {
                Hazard("$\"...\" (locale quoting)");
                _i++;
                DoubleQuoted();
                return;
            }

            var start = _i + 1;
            var end = start;
            if (end < s.Length && (char.IsAsciiLetter(s[end]) || s[end] == '_'))
            {
                while (end < s.Length && (char.IsAsciiLetterOrDigit(s[end]) || s[end] == '_'))
                {
                    end++;
                }
            }
            else if (end < s.Length && (char.IsAsciiDigit(s[end]) || "@*#?-$!".Contains(s[end], StringComparison.Ordinal)))
            {
                end++;
            }

            Hazard(end > start ? $"'${s[start..end]}' (parameter expansion)" : "'$' (parameter expansion)");
            _inWord = true;
            _i = Math.Max(end, _i + 1);
        }

        /// <summary>From the opening bracket at <paramref name="open"/>: the text inside and the index after the closing one.</summary>
        private (string Inner, int End) Balanced(int open, char opening, char closing)
        {
            var level = 0;
            for (var k = open; k < s.Length; k++)
            {
                var c = s[k];
                if (c == '\\')
                {
                    k++;
                }
                else if (c == '\'')
                {
                    var end = s.IndexOf('\'', k + 1);
                    k = end < 0 ? s.Length : end;
                }
                else if (c == opening)
                {
                    level++;
                }
                else if (c == closing && --level == 0)
                {
                    return (s[(open + 1)..k], k + 1);
                }
            }

            Hazard("an unterminated substitution");
            return (s[Math.Min(open + 1, s.Length)..], s.Length);
        }

        private void Nested((string Inner, int End) part)
        {
            _inWord = true;
            new Scanner(part.Inner, pattern: false, commands, hazards, depth + 1).Run();
            _i = part.End;
        }

        private void Backtick()
        {
            Hazard("'`' (command substitution)");
            var inner = new StringBuilder();
            var k = _i + 1;
            for (; k < s.Length && s[k] != '`'; k++)
            {
                if (s[k] == '\\' && k + 1 < s.Length && s[k + 1] is '`' or '\\' or '$')
                {
                    k++;
                }

                inner.Append(s[k]);
            }

            if (k >= s.Length)
            {
                Hazard("an unterminated substitution");
            }

            Nested((inner.ToString(), Math.Min(k + 1, s.Length)));
        }

        private void Redirection()
        {
            if (_inWord && _word.Length > 0 && !_hasQuotes && !_quoted.Contains(true) && _word.ToString().All(char.IsAsciiDigit))
            {
                // "2>f": the digits name a file descriptor, they are not a word.
                ResetWord();
            }
            else
            {
                EndWord();
            }

            var rest = s[_i..];
            if (rest.StartsWith("<(", StringComparison.Ordinal) || rest.StartsWith(">(", StringComparison.Ordinal))
            {
                Hazard($"'{rest[..2]}' (process substitution)");
                Nested(Balanced(_i + 1, '(', ')'));
                EndWord();
                return;
            }

            string[] operators = ["<<<", "<<-", "&>>", "<<", "<>", "<&", ">>", ">|", ">&", "&>", "<", ">"];
            var op = operators.First(o => rest.StartsWith(o, StringComparison.Ordinal));
            Hazard(op switch
            {
                "<<<" => "'<<<' (a here-string)",
                "<<" or "<<-" => $"'{op}' (a here-document)",
                "<&" or ">&" => $"'{op}' (a file descriptor redirection)",
                _ => $"'{op}' (a redirection)",
            });
            _i += op.Length;
            _dropNextWord = true;
        }

        private void ResetWord()
        {
            _word.Clear();
            _quoted.Clear();
            _inWord = false;
            _hasQuotes = false;
        }

        private void EndWord()
        {
            if (!_inWord)
            {
                return;
            }

            if (_dropNextWord)
            {
                _dropNextWord = false;
            }
            else
            {
                _current.Add(new ShellWord(_word.ToString(), [.. _quoted], _hasQuotes));
            }

            ResetWord();
        }

        private void EndCommand()
        {
            EndWord();
            _dropNextWord = false;
            var words = _current;
            _current = [];
            var first = 0;
            while (first < words.Count && IsAssignment(words[first]))
            {
                Hazard($"the variable assignment '{words[first].Text}' before the command");
                first++;
            }

            if (first == words.Count)
            {
                return;
            }

            var command = words[first];
            if (command.AnyQuoted)
            {
                Hazard($"a quoted or escaped command name '{command.Text}'");
            }
            else if (Keywords.Contains(command.Text))
            {
                Hazard($"the shell keyword '{command.Text}'");
            }

            commands.Add(first == 0 ? words : words.GetRange(first, words.Count - first));
        }

        private static bool IsAssignment(ShellWord word)
        {
            var equals = word.Text.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || word.Quoted.Take(equals + 1).Contains(true))
            {
                return false;
            }

            var name = word.Text.AsSpan(0, word.Text[equals - 1] == '+' ? equals - 1 : equals);
            return name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_')
                && name.ToString().All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_' || ch == '[' || ch == ']');
        }
    }
}
