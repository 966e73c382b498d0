using Duragent.Llm;

namespace Duragent.Context;

/// <summary>The history to send, and what was left out.</summary>
/// <param name="Messages">The messages to send, oldest first, with the truncation notice first when anything was omitted.</param>
/// <param name="OmittedCount">Older messages left out for the budget.</param>
/// <param name="DroppedOrphanCount">Tool results without their call, and tool calls without their results, removed.</param>
/// <param name="Tokens">The estimated tokens of <paramref name="Messages"/>.</param>
public sealed record HistorySelection(IReadOnlyList<ChatMessage> Messages, int OmittedCount, int DroppedOrphanCount, int Tokens);
