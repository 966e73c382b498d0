using System.Text;
using Duragent.Llm;

namespace Duragent.Context;

/// <summary>
/// A cheap token estimate with no tokenizer: UTF-8 bytes / 4 (rounded up), plus <see cref="MessageOverhead"/> per
/// message; tool calls count their id, name and arguments plus <see cref="ToolCallOverheadBytes"/> of JSON framing,
/// and a tool result counts its call id. Good enough for budgeting with a safety margin; never for billing.
/// </summary>
public static class TokenEstimator
{
    /// <summary>Tokens added per message for role and framing: 4.</summary>
    public const int MessageOverhead = 4;

    /// <summary>Bytes of JSON framing counted per tool call: 32.</summary>
    public const int ToolCallOverheadBytes = 32;

    /// <summary>Bytes of JSON framing counted per tool definition: 32.</summary>
    public const int ToolDefinitionOverheadBytes = 32;

    /// <summary>Tokens in <paramref name="text"/>.</summary>
    public static int Estimate(string? text) => text is null ? 0 : FromBytes(Encoding.UTF8.GetByteCount(text));

    /// <summary>Tokens in one message, overhead and tool calls included.</summary>
    public static int Estimate(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        long bytes = Encoding.UTF8.GetByteCount(message.Content);
        foreach (var call in message.ToolCalls)
        {
            bytes += Encoding.UTF8.GetByteCount(call.Id) + Encoding.UTF8.GetByteCount(call.Name)
                + Encoding.UTF8.GetByteCount(call.ArgumentsJson) + ToolCallOverheadBytes;
        }

        if (message.ToolCallId is { } callId)
        {
            bytes += Encoding.UTF8.GetByteCount(callId);
        }

        return MessageOverhead + FromBytes(bytes);
    }

    /// <summary>Tokens in a list of messages.</summary>
    public static int Estimate(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return messages.Sum(Estimate);
    }

    /// <summary>Tokens the tool definitions take in a request.</summary>
    public static int Estimate(IEnumerable<ToolDefinition> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        long bytes = 0;
        foreach (var tool in tools)
        {
            bytes += Encoding.UTF8.GetByteCount(tool.Name) + Encoding.UTF8.GetByteCount(tool.Description) + ToolDefinitionOverheadBytes;
            if (tool.Parameters.ValueKind != System.Text.Json.JsonValueKind.Undefined)
            {
                bytes += Encoding.UTF8.GetByteCount(tool.Parameters.GetRawText());
            }
        }

        return FromBytes(bytes);
    }

    private static int FromBytes(long bytes) => (int)Math.Min(int.MaxValue, (bytes + 3) / 4);
}
