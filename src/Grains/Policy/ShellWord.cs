namespace Duragent.Policy;

/// <summary>One word of a parsed command line, after quote removal.</summary>
/// <param name="Text">The word as the program receives it.</param>
/// <param name="Quoted">For each character of <see cref="Text"/>, true when it was quoted or escaped.</param>
/// <param name="HasQuotes">True when the word held quotes, even empty ones (<c>l""s</c>).</param>
public sealed record ShellWord(string Text, IReadOnlyList<bool> Quoted, bool HasQuotes = false)
{
    /// <summary>True when any part of the word was quoted or escaped.</summary>
    public bool AnyQuoted => HasQuotes || Quoted.Contains(true);

    /// <summary>True when the character at <paramref name="index"/> is an unquoted <c>*</c> (a wildcard in a pattern).</summary>
    public bool IsWildcard(int index) => Text[index] == '*' && !Quoted[index];

    /// <summary>True when the word holds an unquoted <c>*</c>.</summary>
    public bool HasWildcard => Enumerable.Range(0, Text.Length).Any(IsWildcard);

    /// <summary>True when the word is exactly an unquoted <c>**</c> ("any further arguments" in a pattern).</summary>
    public bool IsAnyArguments => Text == "**" && !AnyQuoted;

    public override string ToString() => Text;
}
