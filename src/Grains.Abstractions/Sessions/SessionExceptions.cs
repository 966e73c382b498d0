namespace Duragent.Sessions;

/// <summary>Base of the errors a session reports to callers; <see cref="Code"/> is stable (used in problem+json types).</summary>
public abstract class SessionException : Exception
{
    protected SessionException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>A stable, machine-readable code, e.g. <c>session_not_found</c>.</summary>
    public string Code { get; }
}

/// <summary>No session with that id exists (never created, or deleted).</summary>
public sealed class SessionNotFoundException(string sessionId)
    : SessionException("session_not_found", $"Session '{sessionId}' does not exist.")
{
    public string SessionId { get; } = sessionId;
}

/// <summary>The request does not fit the session's current state (e.g. a message to a completed session, an approval for another call).</summary>
public sealed class SessionStateException(string message)
    : SessionException("session_conflict", message);

/// <summary>The agent named in the request does not exist or failed to load.</summary>
public sealed class AgentNotFoundException(string agent, string? detail = null)
    : SessionException("agent_not_found", detail is null ? $"Agent '{agent}' does not exist." : $"Agent '{agent}' is not available: {detail}")
{
    public string Agent { get; } = agent;
}

/// <summary>The request itself is invalid (empty content, too long, bad field).</summary>
public sealed class SessionRequestException(string message)
    : SessionException("invalid_request", message);
