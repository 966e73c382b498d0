namespace Duragent.Llm;

/// <summary>Who a chat message comes from.</summary>
public enum ChatRole
{
    /// <summary>Instructions for the model (system prompt, notices).</summary>
    System,

    /// <summary>The human, a gateway, or a steering message.</summary>
    User,

    /// <summary>The model: text and/or tool calls.</summary>
    Assistant,

    /// <summary>The result of one tool call, tied to it by <see cref="ChatMessage.ToolCallId"/>.</summary>
    Tool,
}
