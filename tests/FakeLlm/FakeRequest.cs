using System.Text.Json.Nodes;

namespace Duragent.FakeLlm;

/// <summary>Which wire format a request used.</summary>
public enum FakeWireFormat
{
    /// <summary><c>POST …/chat/completions</c>.</summary>
    OpenAi,

    /// <summary><c>POST …/messages</c>.</summary>
    Anthropic,

    /// <summary>Any other path (answered 404).</summary>
    Unknown,
}

/// <summary>A request the fake server received, for assertions.</summary>
public sealed class FakeRequest
{
    internal FakeRequest(string method, string path, IReadOnlyDictionary<string, string> headers, string rawBody, FakeWireFormat format)
    {
        Method = method;
        Path = path;
        Headers = headers;
        RawBody = rawBody;
        Format = format;
        try
        {
            Body = rawBody.Length == 0 ? null : JsonNode.Parse(rawBody);
        }
        catch (System.Text.Json.JsonException)
        {
            Body = null;
        }
    }

    /// <summary>1 for the first request the server received, and so on.</summary>
    public int Number { get; internal set; }

    /// <summary>The HTTP method.</summary>
    public string Method { get; }

    /// <summary>The path, e.g. <c>/v1/chat/completions</c>.</summary>
    public string Path { get; }

    /// <summary>The request headers, names case-insensitive, repeated values joined with <c>, </c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The body as text.</summary>
    public string RawBody { get; }

    /// <summary>The body parsed as JSON; null when it is empty or not JSON.</summary>
    public JsonNode? Body { get; }

    /// <summary>The wire format the path belongs to.</summary>
    public FakeWireFormat Format { get; }

    /// <summary>The body's <c>model</c>.</summary>
    public string? Model => Body?["model"]?.GetValue<string>();

    /// <summary>The body's <c>stream</c> flag.</summary>
    public bool IsStreaming => Body?["stream"] is JsonValue value && value.TryGetValue<bool>(out var stream) && stream;

    /// <summary>The value of header <paramref name="name"/>, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => $"#{Number} {Method} {Path}";
}
