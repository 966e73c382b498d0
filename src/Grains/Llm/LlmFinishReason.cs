namespace Duragent.Llm;

/// <summary>Why the model stopped, normalised across providers (the raw value is on <see cref="LlmCompleted"/>).</summary>
public enum LlmFinishReason
{
    /// <summary>The model finished its answer (OpenAI <c>stop</c>, Anthropic <c>end_turn</c>, <c>stop_sequence</c>).</summary>
    Stop,

    /// <summary>The model wants tool results (OpenAI <c>tool_calls</c>, Anthropic <c>tool_use</c>).</summary>
    ToolCalls,

    /// <summary>The output token limit was reached (OpenAI <c>length</c>, Anthropic <c>max_tokens</c>).</summary>
    Length,

    /// <summary>The provider filtered or refused the output (<c>content_filter</c>, <c>refusal</c>).</summary>
    ContentFilter,

    /// <summary>Anything else, or no reason sent.</summary>
    Other,
}
