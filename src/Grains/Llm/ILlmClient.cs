namespace Duragent.Llm;

/// <summary>
/// A model endpoint bound to one provider, base URL and credential. Thread-safe; many calls may run at once.
/// </summary>
public interface ILlmClient
{
    /// <summary>The provider name (<c>openai</c>, <c>anthropic</c>, …).</summary>
    string Provider { get; }

    /// <summary>
    /// Sends <paramref name="request"/> and streams the answer: text deltas as they arrive, then one
    /// <see cref="LlmCompleted"/>. Rate limits, 5xx answers and connect failures are retried before the first byte of
    /// a successful response; after that a failure is thrown (an <see cref="LlmStreamBrokenException"/> or an
    /// <see cref="LlmTimeoutException"/> carrying the partial text) and the caller decides whether to call again.
    /// Cancelling <paramref name="cancellationToken"/> throws <see cref="OperationCanceledException"/>.
    /// </summary>
    IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, CancellationToken cancellationToken = default);
}
