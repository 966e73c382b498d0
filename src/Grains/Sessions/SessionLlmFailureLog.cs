using Duragent.Llm;
using Microsoft.Extensions.Logging;

namespace Duragent.Sessions;

/// <summary>
/// How a session logs a failed LLM call: one warning line per attempt (provider, error kind, attempt n of m, what
/// happens next, and the failure's message, which names the URL), and the exception with its stack trace only at
/// Debug (<c>duragent serve -v</c>). An unreachable model is an operating condition, not a bug to trace.
/// </summary>
internal static partial class SessionLlmFailureLog
{
    public static void Write(ILogger logger, string sessionId, string turnId, Exception? failure, int attempt, int maxAttempts, bool willRetry)
    {
        var provider = (failure as LlmException)?.Provider is { Length: > 0 } name ? name : "the model";
        var next = willRetry ? "retrying now" : "giving up";
        var reason = failure?.Message ?? "the stream ended without a result";
        LogWarningLlmCallFailed(logger, sessionId, turnId, provider, LlmErrorKind.Of(failure), attempt, maxAttempts, next, reason);
        if (failure is not null)
        {
            LogDebugLlmCallFailure(logger, failure, sessionId, turnId, attempt);
        }
    }

    [LoggerMessage(
        EventId = 3003,
        Level = LogLevel.Warning,
        Message = "Session {SessionId}: LLM call of turn {TurnId} to {Provider} failed ({ErrorKind}, attempt {Attempt} of {MaxAttempts}, {Next}): {Reason}")]
    private static partial void LogWarningLlmCallFailed(
        ILogger logger, string sessionId, string turnId, string provider, string errorKind, int attempt, int maxAttempts, string next, string reason);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Debug, Message = "Session {SessionId}: the failure of turn {TurnId}'s LLM call (attempt {Attempt})")]
    private static partial void LogDebugLlmCallFailure(ILogger logger, Exception exception, string sessionId, string turnId, int attempt);
}
