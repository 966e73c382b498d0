namespace Duragent.Policy;

/// <summary>
/// A policy pattern <c>kind:glob</c>, e.g. <c>bash:git status*</c>, <c>builtin:memory:*</c>, <c>*:*secret*</c>. The kind
/// is split at the first <c>:</c> (no <c>:</c> means any kind); <c>*</c> in the glob matches any run of characters.
/// </summary>
/// <remarks>
/// Allow patterns must match the whole invocation (anchored at both ends), so <c>bash:ls</c> allows <c>ls</c> and
/// nothing else; deny patterns match anywhere in it, so <c>bash:rm -rf</c> also denies <c>sudo rm -rf /</c>. The
/// original matched both kinds as substrings, which made an allow pattern such as <c>bash:ls</c> allow
/// <c>rm -rf ~; ls</c>; here every ambiguity falls on the safe side.
/// </remarks>
public sealed record PolicyPattern
{
    private readonly string[] _pieces;

    private PolicyPattern(string text, string kind, string glob)
    {
        Text = text;
        Kind = kind;
        Glob = glob;
        _pieces = glob.Split('*');
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>The tool kind (<c>bash</c>, <c>builtin</c>, <c>cli</c>, <c>mcp</c>) or <c>*</c>.</summary>
    public string Kind { get; }

    /// <summary>The glob over the invocation string.</summary>
    public string Glob { get; }

    /// <summary>Parses <paramref name="text"/>; an empty glob is an error.</summary>
    public static PolicyPattern Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? "*" : text[..colon].Trim();
        var glob = colon < 0 ? text : text[(colon + 1)..];
        if (glob.Length == 0 || kind.Length == 0)
        {
            throw new FormatException($"The policy pattern '{text}' is empty; write kind:glob, e.g. 'bash:git status*'.");
        }

        return new PolicyPattern(text, kind, glob);
    }

    /// <summary>True when the whole <paramref name="invocation"/> of a <paramref name="kind"/> tool matches.</summary>
    public bool MatchesWhole(string kind, string invocation) => KindMatches(kind) && Match(invocation, anchored: true);

    /// <summary>True when the glob matches anywhere in <paramref name="invocation"/>.</summary>
    public bool MatchesAnywhere(string kind, string invocation) => KindMatches(kind) && Match(invocation, anchored: false);

    private bool KindMatches(string kind) => Kind == "*" || string.Equals(Kind, kind, StringComparison.OrdinalIgnoreCase);

    private bool Match(string text, bool anchored)
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

    public override string ToString() => Text;
}
