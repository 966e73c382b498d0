namespace Duragent.Llm;

/// <summary>A short name for the kind of an LLM failure, for one-line log messages: <c>unreachable</c>, <c>HTTP 503</c>, …</summary>
internal static class LlmErrorKind
{
    public static string Of(Exception? failure) => failure switch
    {
        null => "no result",
        LlmRateLimitedException => "rate limited (HTTP 429)",
        LlmHttpException http => $"HTTP {http.StatusCode}",
        LlmTimeoutException timeout => $"{timeout.Kind.ToString().ToLowerInvariant()} timeout",
        LlmConnectionException => "unreachable",
        LlmStreamBrokenException => "broken stream",
        LlmConfigurationException => "configuration error",
        _ => failure.GetType().Name,
    };
}
