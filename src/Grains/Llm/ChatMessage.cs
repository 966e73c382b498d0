namespace Duragent.Llm;

/// <summary>
/// One message of a conversation in a provider-neutral shape. Use the factory methods: they enforce which fields
/// go with which role.
/// </summary>
public sealed record ChatMessage
{
    private ChatMessage(ChatRole role, string content, IReadOnlyList<ToolCall> toolCalls, string? toolCallId, bool isError)
    {
        Role = role;
        Content = content;
        ToolCalls = toolCalls;
        ToolCallId = toolCallId;
        IsError = isError;
    }

    /// <summary>Who the message comes from.</summary>
    public ChatRole Role { get; init; }

    /// <summary>The text; empty for an assistant message that only calls tools.</summary>
    public string Content { get; init; }

    /// <summary>The tool calls of an assistant message; empty otherwise.</summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; }

    /// <summary>For a <see cref="ChatRole.Tool"/> message: the id of the call this is the result of.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>For a <see cref="ChatRole.Tool"/> message: the tool failed (Anthropic sends <c>is_error</c>).</summary>
    public bool IsError { get; init; }

    /// <summary>A system message.</summary>
    public static ChatMessage System(string content) => new(ChatRole.System, Require(content), [], null, false);

    /// <summary>A user message.</summary>
    public static ChatMessage User(string content) => new(ChatRole.User, Require(content), [], null, false);

    /// <summary>An assistant message with text and optionally tool calls.</summary>
    public static ChatMessage Assistant(string? content, IReadOnlyList<ToolCall>? toolCalls = null) =>
        new(ChatRole.Assistant, content ?? string.Empty, toolCalls ?? [], null, false);

    /// <summary>The result of the tool call <paramref name="toolCallId"/>.</summary>
    public static ChatMessage ToolResult(string toolCallId, string content, bool isError = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(toolCallId);
        return new(ChatRole.Tool, Require(content), [], toolCallId, isError);
    }

    private static string Require(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return content;
    }
}
