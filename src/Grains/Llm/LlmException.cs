namespace Duragent.Llm;

// The exception hierarchy of the LLM clients reads as one story, so its members live together in this file.

/// <summary>
/// A model call failed. <see cref="IsTransient"/> tells the agent loop whether calling again may succeed;
/// <see cref="PartialText"/> is the text streamed before the failure (empty when none).
/// </summary>
public class LlmException : Exception
{
    public LlmException()
    {
    }

    public LlmException(string message)
        : base(message)
    {
    }

    public LlmException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The provider name, when known.</summary>
    public string? Provider { get; init; }

    /// <summary>The text streamed before the failure; empty when none was.</summary>
    public string PartialText { get; init; } = string.Empty;

    /// <summary>How many HTTP attempts were made (retries included); 0 when none was.</summary>
    public int Attempts { get; init; }

    /// <summary>True when the same call may succeed if made again later.</summary>
    public virtual bool IsTransient => false;
}

/// <summary>The model settings cannot work: an unknown provider, a missing API key, a bad base URL.</summary>
public class LlmConfigurationException : LlmException
{
    public LlmConfigurationException()
    {
    }

    public LlmConfigurationException(string message)
        : base(message)
    {
    }

    public LlmConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The provider answered with an error: a non-2xx status, or an error event inside the stream.</summary>
public class LlmHttpException : LlmException
{
    public LlmHttpException()
    {
    }

    public LlmHttpException(string message)
        : base(message)
    {
    }

    public LlmHttpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LlmHttpException(string message, int statusCode, string? providerMessage, string? errorType)
        : base(message)
    {
        StatusCode = statusCode;
        ProviderMessage = providerMessage;
        ErrorType = errorType;
    }

    /// <summary>
    /// The HTTP status; for an error event inside a stream, the status the provider documents for that error type
    /// (Anthropic <c>overloaded_error</c> → 529, <c>api_error</c> → 500, …).
    /// </summary>
    public int StatusCode { get; }

    /// <summary>The provider's error message, when its body had one.</summary>
    public string? ProviderMessage { get; }

    /// <summary>The provider's error type or code (<c>rate_limit_exceeded</c>, <c>overloaded_error</c>, …).</summary>
    public string? ErrorType { get; }

    /// <summary>429, 408 and 5xx are transient.</summary>
    public override bool IsTransient => StatusCode is 408 or 429 or >= 500;
}

/// <summary>The provider answered 429 (or a <c>rate_limit_error</c> event) and kept doing so.</summary>
public class LlmRateLimitedException : LlmHttpException
{
    public LlmRateLimitedException()
    {
    }

    public LlmRateLimitedException(string message)
        : base(message)
    {
    }

    public LlmRateLimitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LlmRateLimitedException(string message, string? providerMessage, string? errorType, TimeSpan? retryAfter)
        : base(message, 429, providerMessage, errorType)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>The wait the provider asked for (<c>Retry-After</c>), null when it gave none.</summary>
    public TimeSpan? RetryAfter { get; }
}

/// <summary>Which of the three LLM timeouts fired.</summary>
public enum LlmTimeoutKind
{
    /// <summary>The TCP (and TLS) connection was not established in time.</summary>
    Connect,

    /// <summary>The whole call (retries and the full stream) took longer than allowed.</summary>
    Total,

    /// <summary>No byte arrived for too long while waiting for the response or between stream chunks.</summary>
    Idle,
}

/// <summary>A model call timed out. <see cref="LlmException.PartialText"/> holds what was streamed before.</summary>
public class LlmTimeoutException : LlmException
{
    public LlmTimeoutException()
    {
    }

    public LlmTimeoutException(string message)
        : base(message)
    {
    }

    public LlmTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LlmTimeoutException(string message, LlmTimeoutKind kind, TimeSpan timeout, Exception? innerException)
        : base(message, innerException)
    {
        Kind = kind;
        Timeout = timeout;
    }

    /// <summary>Which timeout fired.</summary>
    public LlmTimeoutKind Kind { get; }

    /// <summary>The limit that was exceeded.</summary>
    public TimeSpan Timeout { get; }

    /// <inheritdoc />
    public override bool IsTransient => true;
}

/// <summary>The provider could not be reached (connection refused, DNS failure, reset before any answer).</summary>
public class LlmConnectionException : LlmException
{
    public LlmConnectionException()
    {
    }

    public LlmConnectionException(string message)
        : base(message)
    {
    }

    public LlmConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}

/// <summary>
/// The response stream ended before the model finished: the connection dropped mid-stream, the body ended without a
/// finish marker, or a chunk was malformed. <see cref="LlmException.PartialText"/> holds the text streamed so far.
/// The client never retries half a stream; the agent loop decides whether to call again.
/// </summary>
public class LlmStreamBrokenException : LlmException
{
    public LlmStreamBrokenException()
    {
    }

    public LlmStreamBrokenException(string message)
        : base(message)
    {
    }

    public LlmStreamBrokenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
