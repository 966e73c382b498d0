namespace Duragent.Policy;

/// <summary>
/// A command line split into words with POSIX shell quoting rules (<see cref="ShellParser"/>), with every construct
/// that can do more than run one simple command listed in <see cref="Hazards"/>.
/// </summary>
/// <remarks>
/// <see cref="Commands"/> is best effort when there are hazards: the simple commands found in each part of a list or
/// pipeline and inside substitutions, for deny matching. Allow matching uses only a line that <see cref="IsSimple"/>.
/// </remarks>
public sealed class ShellCommandLine(string text, IReadOnlyList<IReadOnlyList<ShellWord>> commands, IReadOnlyList<string> hazards)
{
    /// <summary>The line as given.</summary>
    public string Text { get; } = text;

    /// <summary>The simple commands found (assignments before a command removed), in order.</summary>
    public IReadOnlyList<IReadOnlyList<ShellWord>> Commands { get; } = commands;

    /// <summary>What makes the line more than one simple command, in words (e.g. "a redirection '&gt;'"); empty when simple.</summary>
    public IReadOnlyList<string> Hazards { get; } = hazards;

    /// <summary>True when the line is exactly one simple command: words, no operators, expansions or redirections.</summary>
    public bool IsSimple => Hazards.Count == 0 && Commands.Count == 1;

    /// <summary>The words of the first command (the only one when <see cref="IsSimple"/>).</summary>
    public IReadOnlyList<ShellWord> Words => Commands.Count > 0 ? Commands[0] : [];

    /// <summary>Why the line is not simple, for a verdict's reason.</summary>
    public string Describe() => Hazards.Count > 0
        ? string.Join(", ", Hazards)
        : Commands.Count == 0 ? "no command" : "more than one command";
}
