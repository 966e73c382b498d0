namespace Duragent.Llm;

/// <summary>One model call: the model id, the conversation, the tools and the sampling settings.</summary>
/// <param name="Model">The model id sent to the provider; null or empty sends the client's configured model.</param>
/// <param name="Messages">The conversation, oldest first. System messages may appear anywhere.</param>
public sealed record LlmRequest(string? Model, IReadOnlyList<ChatMessage> Messages)
{
    /// <summary>A request for the client's configured model.</summary>
    public LlmRequest(IReadOnlyList<ChatMessage> messages)
        : this(null, messages)
    {
    }

    /// <summary>The tools the model may call; empty for none.</summary>
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];

    /// <summary>Sampling temperature; null leaves the provider default.</summary>
    public double? Temperature { get; init; }

    /// <summary>The most tokens the model may produce; null leaves the provider default (4096 for Anthropic).</summary>
    public int? MaxOutputTokens { get; init; }
}
