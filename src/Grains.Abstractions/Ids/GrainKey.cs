using System.Diagnostics.CodeAnalysis;

namespace Duragent;

/// <summary>
/// Validation of grain keys. Keys arrive from outside (URLs, CLI arguments, gateway plugins) and become
/// directory names in the file storage provider, so they are checked against a whitelist before use:
/// 1 to <see cref="MaxLength"/> characters of <c>A-Z a-z 0-9 . _ -</c>, starting with a letter or digit,
/// and never containing <c>..</c>. That rules out <c>/</c>, <c>\</c>, control characters and traversal.
/// </summary>
public static class GrainKey
{
    /// <summary>The longest key accepted: 128 characters.</summary>
    public const int MaxLength = 128;

    /// <summary>Returns null when <paramref name="key"/> is valid, otherwise a sentence saying what is wrong.</summary>
    public static string? Check([NotNullWhen(false)] string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "the key is empty";
        }

        if (key.Length > MaxLength)
        {
            return $"the key is {key.Length} characters long; at most {MaxLength} are allowed";
        }

        if (!char.IsAsciiLetterOrDigit(key[0]))
        {
            return "the key must start with a letter or a digit";
        }

        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                var shown = char.IsControl(c) ? $"U+{(int)c:X4}" : $"'{c}'";
                return $"the key contains {shown} at position {i}; only letters, digits, '.', '_' and '-' are allowed";
            }
        }

        if (key.Contains("..", StringComparison.Ordinal))
        {
            return "the key contains '..'";
        }

        return null;
    }

    /// <summary>True when <paramref name="key"/> passes <see cref="Check"/>.</summary>
    public static bool IsValid([NotNullWhen(true)] string? key) => Check(key) is null;

    /// <summary>Throws <see cref="ArgumentException"/> naming the key and the rule it breaks.</summary>
    public static string Validate([NotNull] string? key, string? what = null)
    {
        var problem = Check(key);
        if (problem is not null || key is null)
        {
            var shown = key is null ? "(null)" : key.Length > 40 ? key[..40] + "…" : key;
            throw new ArgumentException($"Invalid {what ?? "grain key"} '{Sanitize(shown)}': {problem}.", nameof(key));
        }

        return key;
    }

    private static string Sanitize(string text) =>
        string.Create(text.Length, text, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
}
