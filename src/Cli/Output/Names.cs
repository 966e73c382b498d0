using System.Globalization;
using System.Text.Json;
using Duragent.Sessions;

namespace Duragent.Cli.Output;

/// <summary>How the CLI prints statuses, times and one-line message summaries.</summary>
internal static class Names
{
    public static string Status(SessionStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    public static string OnDisconnect(Duragent.Sessions.OnDisconnect mode) => JsonNamingPolicy.SnakeCaseLower.ConvertName(mode.ToString());

    /// <summary>
    /// A count with its noun in the right number: <c>1 warning</c>, <c>0 warnings</c>, <c>2 warnings</c>. The plural
    /// is the singular plus <c>s</c> unless <paramref name="plural"/> says otherwise.
    /// </summary>
    public static string Count(long count, string singular, string? plural = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(singular);
        var noun = count == 1 ? singular : plural ?? singular + "s";
        return string.Create(CultureInfo.InvariantCulture, $"{count} {noun}");
    }

    /// <summary>UTC, to the second: <c>2026-11-21 12:34:56Z</c>.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>&gt; user text</c>, <c>&lt; assistant text</c>, <c>[tool bash] …</c>, on one line, cut to <paramref name="width"/>.</summary>
    public static string MessageLine(SessionMessage message, int width)
    {
        ArgumentNullException.ThrowIfNull(message);
        var prefix = message.Role switch
        {
            "user" => "> ",
            "assistant" => "< ",
            "tool" => $"[tool {message.ToolName}] ",
            _ => $"[{message.Role}] ",
        };
        var content = message.Content;
        if (content.Length == 0 && message.ToolCalls is { Count: > 0 } calls)
        {
            content = "(calls " + string.Join(", ", calls.Select(c => c.Name)) + ")";
        }

        return prefix + OneLine(content, width - prefix.Length);
    }

    /// <summary>Whitespace runs (newlines included) become one space; longer text is cut with an ellipsis.</summary>
    public static string OneLine(string text, int width)
    {
        ArgumentNullException.ThrowIfNull(text);
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return width > 1 && flat.Length > width ? flat[..(width - 1)] + "…" : flat;
    }
}
