using System.Text.Json;

namespace Duragent.Llm;

/// <summary>
/// Reads the message and type out of a provider's error body. OpenAI: <c>{"error":{"message","type","code"}}</c>;
/// Anthropic: <c>{"type":"error","error":{"type","message"}}</c>; compatible servers sometimes send
/// <c>{"error":"text"}</c> or <c>{"message":"text"}</c>; anything else is shown as (shortened) text.
/// </summary>
internal static class ProviderErrorBody
{
    private const int MaxMessageLength = 500;

    public static (string? Message, string? Type) Parse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return FromJson(document.RootElement) is { } parsed ? parsed : (Shorten(body), null);
        }
        catch (JsonException)
        {
            return (Shorten(body), null);
        }
    }

    /// <summary>The message and type of an error object or of an object with an <c>error</c> member; null otherwise.</summary>
    public static (string? Message, string? Type)? FromJson(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("error", out var error))
        {
            if (error.ValueKind == JsonValueKind.String)
            {
                return (Shorten(error.GetString()), null);
            }

            if (error.ValueKind == JsonValueKind.Object)
            {
                var message = String(error, "message");
                return (Shorten(message), String(error, "code") ?? String(error, "type"));
            }
        }

        return String(root, "message") is { } topMessage ? (Shorten(topMessage), String(root, "type")) : null;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static string? Shorten(string? text)
    {
        if (text is null)
        {
            return null;
        }

        text = text.Trim();
        return text.Length <= MaxMessageLength ? text : string.Concat(text.AsSpan(0, MaxMessageLength), "…");
    }
}
