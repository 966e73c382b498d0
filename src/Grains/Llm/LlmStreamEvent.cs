namespace Duragent.Llm;

/// <summary>
/// What <see cref="ILlmClient.StreamAsync"/> yields: zero or more <see cref="LlmTextDelta"/>s, then exactly one
/// <see cref="LlmCompleted"/>. Failures are thrown as <see cref="LlmException"/>s, never yielded.
/// </summary>
public abstract record LlmStreamEvent;

/// <summary>A piece of assistant text, in order.</summary>
/// <param name="Text">The new text; never empty.</param>
public sealed record LlmTextDelta(string Text) : LlmStreamEvent;

/// <summary>The end of a successful call.</summary>
/// <param name="Text">All text deltas concatenated.</param>
/// <param name="ToolCalls">The reassembled tool calls, in the order the model made them.</param>
/// <param name="Usage">Token counts, null when the provider sent none.</param>
/// <param name="FinishReason">Why the model stopped.</param>
/// <param name="RawFinishReason">The provider's own value (<c>stop</c>, <c>end_turn</c>, …), null when absent.</param>
public sealed record LlmCompleted(
    string Text,
    IReadOnlyList<ToolCall> ToolCalls,
    LlmUsage? Usage,
    LlmFinishReason FinishReason,
    string? RawFinishReason) : LlmStreamEvent;
