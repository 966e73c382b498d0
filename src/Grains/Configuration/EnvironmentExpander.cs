using System.Text;

namespace Duragent.Configuration;

/// <summary>
/// Expands environment variable references in a configuration text before it is parsed as YAML, line by line:
/// <c>${VAR}</c> (an error when unset), <c>${VAR:-default}</c> and <c>${VAR:-}</c> (the default when unset or
/// empty), <c>$$</c> for a literal <c>$</c>. A <c>$</c> not followed by <c>{</c> or <c>$</c> is left as is; an
/// unclosed <c>${</c> is an error. No nesting: a default ends at the first <c>}</c>. Lines whose first non-space
/// character is <c>#</c> are copied unchanged, so commented-out references need no variable.
/// </summary>
internal static class EnvironmentExpander
{
    /// <summary>
    /// Returns the expanded text. Problems are added to <paramref name="diagnostics"/> as errors located in
    /// <paramref name="file"/> (line and column of the <c>$</c>); the reference is then left unexpanded.
    /// </summary>
    public static string Expand(string text, string file, Func<string, string?> lookup, List<ConfigDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(lookup);
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var output = new StringBuilder(text.Length + 64);
        var lineNumber = 0;
        var start = 0;
        while (start <= text.Length)
        {
            lineNumber++;
            var end = text.IndexOf('\n', start);
            var line = end < 0 ? text[start..] : text[start..end];
            ExpandLine(line, lineNumber, file, lookup, diagnostics, output);
            if (end < 0)
            {
                break;
            }

            output.Append('\n');
            start = end + 1;
        }

        return output.ToString();
    }

    private static void ExpandLine(string line, int lineNumber, string file, Func<string, string?> lookup, List<ConfigDiagnostic> diagnostics, StringBuilder output)
    {
        if (line.AsSpan().TrimStart().StartsWith("#", StringComparison.Ordinal) || !line.Contains('$', StringComparison.Ordinal))
        {
            output.Append(line);
            return;
        }

        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (c != '$' || i + 1 >= line.Length)
            {
                output.Append(c);
                i++;
                continue;
            }

            var next = line[i + 1];
            if (next == '$')
            {
                output.Append('$');
                i += 2;
                continue;
            }

            if (next != '{')
            {
                output.Append(c);
                i++;
                continue;
            }

            var column = i + 1;
            var close = line.IndexOf('}', i + 2);
            if (close < 0)
            {
                diagnostics.Add(Error(file, lineNumber, column,
                    "unclosed '${': expected '}' to end the environment variable reference (write '$$' for a literal '$')"));
                output.Append(line, i, line.Length - i);
                return;
            }

            var body = line[(i + 2)..close];
            var separator = body.IndexOf(":-", StringComparison.Ordinal);
            var name = separator < 0 ? body : body[..separator];
            var fallback = separator < 0 ? null : body[(separator + 2)..];
            if (!IsValidName(name))
            {
                diagnostics.Add(Error(file, lineNumber, column,
                    $"'${{{body}}}' is not a valid environment variable reference: expected ${{NAME}}, ${{NAME:-default}} or ${{NAME:-}}, where NAME is letters, digits and '_' and does not start with a digit"));
                output.Append(line, i, close + 1 - i);
                i = close + 1;
                continue;
            }

            var value = lookup(name);
            if (fallback is not null && string.IsNullOrEmpty(value))
            {
                value = fallback;
            }

            if (value is null)
            {
                diagnostics.Add(Error(file, lineNumber, column,
                    $"environment variable '{name}' is not set; expected it to be set, or write ${{{name}:-default}} to give a default"));
                output.Append(line, i, close + 1 - i);
            }
            else
            {
                output.Append(value);
            }

            i = close + 1;
        }
    }

    private static bool IsValidName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    private static ConfigDiagnostic Error(string file, int line, int column, string message) =>
        new(ConfigDiagnosticSeverity.Error, file, line, column, message);
}
