namespace Duragent.Memory;

/// <summary>
/// World memory topic names. A topic becomes a file name, so anything that looks like a path is refused with a reason
/// the model can act on: separators (<c>/</c>, <c>\</c>), <c>..</c>, NUL and other control characters, names longer
/// than <see cref="MaxLength"/>, and names the operating system reserves (<c>con</c>, <c>nul</c>, <c>com1</c>…). What is
/// left is normalized as in the original: a trailing <c>.md</c> dropped, lower case, every character other than
/// <c>a-z 0-9 - _</c> becomes <c>-</c> (so "Project Alpha" is <c>project-alpha</c>).
/// </summary>
public static class MemoryTopics
{
    /// <summary>The longest topic name: 64 characters.</summary>
    public const int MaxLength = 64;

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "con", "prn", "aux", "nul", "clock$",
        "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
        "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    };

    /// <summary>The normalized topic, or the reason <paramref name="topic"/> is refused.</summary>
    public static bool TryNormalize(string? topic, out string normalized, out string problem)
    {
        normalized = string.Empty;
        problem = string.Empty;
        if (string.IsNullOrWhiteSpace(topic))
        {
            problem = "The topic is empty; give a short name such as 'project-alpha'.";
            return false;
        }

        if (topic.Any(char.IsControl))
        {
            problem = "The topic contains a control character (such as NUL); use letters, digits, '-' and '_'.";
            return false;
        }

        if (topic.Contains('/', StringComparison.Ordinal) || topic.Contains('\\', StringComparison.Ordinal) || Path.IsPathRooted(topic))
        {
            problem = $"The topic '{topic}' is a path; a topic is a plain name such as 'project-alpha' (no '/', '\\' or drive).";
            return false;
        }

        if (topic.Contains("..", StringComparison.Ordinal))
        {
            problem = $"The topic '{topic}' contains '..'; a topic is a plain name such as 'project-alpha'.";
            return false;
        }

        var trimmed = topic.Trim();
        if (trimmed.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[..^3];
        }

        if (trimmed.Length > MaxLength)
        {
            problem = $"The topic is {trimmed.Length} characters long; the most is {MaxLength}.";
            return false;
        }

        var chars = trimmed.ToLowerInvariant().Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' ? c : '-').ToArray();
        var name = new string(chars).Trim('-');
        if (name.Length == 0)
        {
            problem = $"The topic '{topic}' has no letters or digits; give a short name such as 'project-alpha'.";
            return false;
        }

        if (Reserved.Contains(name))
        {
            problem = $"The topic '{name}' is reserved by the operating system; choose another name.";
            return false;
        }

        normalized = name;
        return true;
    }
}
