namespace Duragent.FakeLlm;

/// <summary>
/// A tool call a scripted response makes. <see cref="ArgumentFragments"/> are streamed as separate deltas
/// (OpenAI <c>tool_calls[].function.arguments</c>, Anthropic <c>input_json_delta</c>); joined they should be a JSON object.
/// </summary>
/// <param name="Name">The tool name.</param>
/// <param name="ArgumentFragments">The arguments JSON split into pieces.</param>
public sealed record FakeToolCall(string Name, IReadOnlyList<string> ArgumentFragments)
{
    /// <summary>The call id; null generates one in the wire format's style (<c>call_…</c>, <c>toolu_…</c>).</summary>
    public string? Id { get; init; }

    /// <summary>The arguments JSON, whole.</summary>
    public string Arguments => string.Concat(ArgumentFragments);

    /// <summary>A call named <paramref name="name"/> whose arguments arrive in the given pieces.</summary>
    public static FakeToolCall Create(string name, params string[] argumentFragments) => new(name, argumentFragments);

    /// <summary>The same call with a fixed id.</summary>
    public FakeToolCall WithId(string id) => this with { Id = id };
}
