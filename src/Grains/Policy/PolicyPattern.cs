namespace Duragent.Policy;

/// <summary>
/// A policy pattern <c>kind:body</c>, e.g. <c>bash:git status</c>, <c>bash:ls **</c>, <c>cli:report --since *</c>,
/// <c>builtin:memory:*</c>, <c>bash:=cd src &amp;&amp; make</c>. The kind is split at the first <c>:</c> (no <c>:</c>
/// means any kind). The grammar is documented, with examples the tests run, in docs/agent-format.md.
/// </summary>
/// <remarks>
/// <para>For shell kinds (<c>bash</c>, <c>cli</c>) the body is split into words like a command line
/// (<see cref="ShellParser"/>) and matched word by word against the parsed call: an unquoted <c>*</c> matches within
/// one word, a last word <c>**</c> matches any further plain arguments. A call with any shell construct beyond one
/// simple command (redirection, substitution, expansion, operator...) is never allowed by a word pattern.</para>
/// <para>A body starting with <c>=</c> is literal: it matches exactly that invocation string and nothing else; "allow
/// always" writes this form when the approved call is not plain words.</para>
/// <para>Other kinds (<c>builtin</c>, <c>mcp</c>) match the invocation string with <c>*</c> as any run of characters,
/// anchored for allow, anywhere for deny.</para>
/// </remarks>
public sealed record PolicyPattern
{
    private readonly string[] _pieces;
    private readonly ShellCommandLine _shell;

    private PolicyPattern(string text, string kind, string body)
    {
        Text = text;
        Kind = kind;
        Glob = body;
        IsLiteral = body.StartsWith('=');
        _pieces = body.Split('*');
        _shell = ShellParser.ParsePattern(body);
        if (!IsLiteral && _shell.IsSimple)
        {
            var words = _shell.Words;
            AnyArguments = words.Count > 1 && words[^1].IsAnyArguments;
            Words = AnyArguments ? [.. words.Take(words.Count - 1)] : words;
        }
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>The tool kind (<c>bash</c>, <c>builtin</c>, <c>cli</c>, <c>mcp</c>) or <c>*</c>.</summary>
    public string Kind { get; }

    /// <summary>The body after <c>kind:</c>.</summary>
    public string Glob { get; }

    /// <summary>True for a literal pattern (<c>kind:=exact invocation</c>).</summary>
    public bool IsLiteral { get; }

    /// <summary>The words a shell call must match (the trailing <c>**</c> removed); null when the body is not one simple command.</summary>
    public IReadOnlyList<ShellWord>? Words { get; }

    /// <summary>True when the pattern ends in <c>**</c>: any further plain arguments.</summary>
    public bool AnyArguments { get; }

    /// <summary>Why this pattern can never allow a shell call, or null when it can.</summary>
    public string? AllowError => IsLiteral || Kind is not ("bash" or "cli") || Words is not null
        ? null
        : $"the allow pattern '{Text}' is not one simple command ({_shell.Describe()}); an allow pattern lists words only. " +
          $"Write '{Kind}:={Glob}' to allow exactly this command line.";

    /// <summary>Parses <paramref name="text"/>; an empty body, or <c>**</c> as the command name, is an error.</summary>
    public static PolicyPattern Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? "*" : text[..colon].Trim();
        var body = colon < 0 ? text : text[(colon + 1)..];
        if (body.Length == 0 || kind.Length == 0 || body == "=")
        {
            throw new FormatException($"The policy pattern '{text}' is empty; write kind:pattern, e.g. 'bash:git status'.");
        }

        var pattern = new PolicyPattern(text, kind, body);
        if (pattern.Words is [{ IsAnyArguments: true }, ..])
        {
            throw new FormatException($"The policy pattern '{text}' starts with '**'; the command name must be a word, e.g. '* **' for any command.");
        }

        return pattern;
    }

    /// <summary>
    /// The pattern that allows exactly <paramref name="invocation"/> of a <paramref name="kind"/> tool and nothing else:
    /// <c>kind:words</c> when the call is plain words separated by single spaces, otherwise the literal <c>kind:=invocation</c>.
    /// </summary>
    public static string ExactFor(string kind, string invocation)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(invocation);
        var plain = invocation.Length > 0 && !invocation.StartsWith('=') && invocation.All(IsPlain) && !invocation.Contains("  ", StringComparison.Ordinal)
            && invocation[0] != ' ' && invocation[^1] != ' ';
        if (plain && IsShellKind(kind))
        {
            plain = ShellParser.Parse(invocation).IsSimple;
        }

        return plain ? $"{kind}:{invocation}" : $"{kind}:={invocation}";
    }

    /// <summary>True for kinds whose invocation is a command line (<c>bash</c>, <c>cli</c>).</summary>
    public static bool IsShellKind(string kind) => kind is "bash" or "cli";

    /// <summary>True when this pattern allows the call: the whole invocation must match.</summary>
    public bool Allows(string kind, string invocation) =>
        Allows(kind, invocation, IsShellKind(kind) ? ShellParser.Parse(invocation) : null);

    /// <summary>True when this pattern denies the call: anywhere in the invocation, or any command in it.</summary>
    public bool Denies(string kind, string invocation) =>
        Denies(kind, invocation, IsShellKind(kind) ? ShellParser.Parse(invocation) : null);

    internal bool Allows(string kind, string invocation, ShellCommandLine? line)
    {
        if (!KindMatches(kind))
        {
            return false;
        }

        if (IsLiteral)
        {
            return string.Equals(Glob[1..], invocation, StringComparison.Ordinal);
        }

        return line is null ? MatchString(invocation, anchored: true) : AllowsShell(line);
    }

    internal bool Denies(string kind, string invocation, ShellCommandLine? line)
    {
        if (!KindMatches(kind))
        {
            return false;
        }

        if (IsLiteral)
        {
            return string.Equals(Glob[1..], invocation, StringComparison.Ordinal);
        }

        // The string match of earlier versions stays ("*:*secret*", "bash:curl*|*sh"); the word match adds every
        // spelling of the flags, paths to the binary, wrappers and the commands inside substitutions.
        return MatchString(invocation, anchored: false) || (line is not null && Words is not null && line.Commands.Any(c => DeniesCommand(c, 0)));
    }

    private bool KindMatches(string kind) => Kind == "*" || string.Equals(Kind, kind, StringComparison.OrdinalIgnoreCase);

    private bool AllowsShell(ShellCommandLine line)
    {
        if (Words is not { } pattern || !line.IsSimple)
        {
            return false;
        }

        var words = line.Words;
        if (AnyArguments ? words.Count < pattern.Count : words.Count != pattern.Count)
        {
            return false;
        }

        var command = words[0].Text;
        if (pattern[0].HasWildcard
            ? command.Contains('/', StringComparison.Ordinal) || ShellCommands.IsWrapper(command) || !WordMatches(pattern[0], command)
            : pattern[0].Text != command)
        {
            return false;
        }

        for (var i = 1; i < words.Count; i++)
        {
            var text = words[i].Text;
            if (i >= pattern.Count)
            {
                if (ShellCommands.IsRiskyArgument(command, text))
                {
                    return false;
                }
            }
            else if (pattern[i].HasWildcard)
            {
                if (ShellCommands.IsRiskyArgument(command, text) || HasParentSegment(text) || !WordMatches(pattern[i], text))
                {
                    return false;
                }
            }
            else if (pattern[i].Text != text)
            {
                return false;
            }
        }

        return true;
    }

    private bool DeniesCommand(IReadOnlyList<ShellWord> words, int depth)
    {
        if (words.Count == 0 || depth > 8)
        {
            return false;
        }

        var program = ShellCommands.ProgramName(words[0].Text);
        if (DeniesDirectly(words, program))
        {
            return true;
        }

        if (!ShellCommands.IsWrapper(program) && program != "find")
        {
            return false;
        }

        // A wrapper runs a command found somewhere in its arguments (sudo -u root rm, timeout 5 rm, find -exec rm,
        // sh -c 'rm ...'): try every tail of the words, and every argument that looks like a command line on its own.
        for (var i = 1; i < words.Count; i++)
        {
            if (DeniesDirectly([.. words.Skip(i)], ShellCommands.ProgramName(words[i].Text)))
            {
                return true;
            }

            var text = words[i].Text;
            if (text.AsSpan().IndexOfAny(" \t\n;&|`$()<>") >= 0 && ShellParser.Parse(text).Commands.Any(c => DeniesCommand(c, depth + 1)))
            {
                return true;
            }
        }

        return false;
    }

    private bool DeniesDirectly(IReadOnlyList<ShellWord> words, string program)
    {
        var pattern = Words!;
        if (!WordMatches(pattern[0], program) && !WordMatches(pattern[0], words[0].Text))
        {
            return false;
        }

        var arguments = words.Skip(1).Select(w => w.Text).ToList();
        var wanted = pattern.Skip(1).Select(w => w.Text);
        var flags = ShellCommands.Flags(program, arguments);
        if (!ShellCommands.Flags(program, wanted).IsSubsetOf(flags))
        {
            return false;
        }

        var plain = arguments.Where(a => !ShellCommands.IsFlag(a)).ToList();
        return pattern.Skip(1).Where(w => !ShellCommands.IsFlag(w.Text)).All(p => plain.Exists(a => WordMatches(p, a)));
    }

    private static bool HasParentSegment(string text) => text.Split('/').Contains("..", StringComparer.Ordinal);

    /// <summary>Matches one word: unquoted <c>*</c> in <paramref name="pattern"/> is any run of characters.</summary>
    private static bool WordMatches(ShellWord pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        var glob = pattern.Text;
        while (t < text.Length)
        {
            if (p < glob.Length && pattern.IsWildcard(p))
            {
                star = p++;
                mark = t;
            }
            else if (p < glob.Length && glob[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < glob.Length && pattern.IsWildcard(p))
        {
            p++;
        }

        return p == glob.Length;
    }

    private bool MatchString(string text, bool anchored)
    {
        var position = 0;
        for (var i = 0; i < _pieces.Length; i++)
        {
            var piece = _pieces[i];
            var first = i == 0;
            var last = i == _pieces.Length - 1;
            if (first && anchored)
            {
                if (!text.StartsWith(piece, StringComparison.Ordinal))
                {
                    return false;
                }

                position = piece.Length;
                if (last)
                {
                    return position == text.Length;
                }

                continue;
            }

            if (last && anchored)
            {
                return text.Length - piece.Length >= position && text.EndsWith(piece, StringComparison.Ordinal);
            }

            var found = text.IndexOf(piece, position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            position = found + piece.Length;
        }

        return true;
    }

    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or ':' or '@' or '%' or '+' or ',' or '=' or '-' or ' ';

    public override string ToString() => Text;
}
