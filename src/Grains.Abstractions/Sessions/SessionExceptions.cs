namespace Duragent.Sessions;

// Grain methods throw these to callers across silos and clients, so each is an Orleans-serialized type: the base
// Exception part (message, stack trace, inner exception) travels through Orleans' exception codec, and the fields
// below through the generated one. Field ids are per class in the hierarchy; never renumber them.

/// <summary>Base of the errors a session reports to callers; <see cref="Code"/> is stable (used in problem+json types).</summary>
[GenerateSerializer]
[Alias("duragent.session-exception")]
public abstract class SessionException : Exception
{
    protected SessionException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>A stable, machine-readable code, e.g. <c>session_not_found</c>.</summary>
    [Id(0)]
    public string Code { get; }
}

/// <summary>No session with that id exists (never created, or deleted).</summary>
[GenerateSerializer]
[Alias("duragent.session-not-found-exception")]
public sealed class SessionNotFoundException(string sessionId)
    : SessionException("session_not_found", $"Session '{sessionId}' does not exist.")
{
    [Id(0)]
    public string SessionId { get; } = sessionId;
}

/// <summary>The request does not fit the session's current state (e.g. a message to a completed session, an approval for another call).</summary>
[GenerateSerializer]
[Alias("duragent.session-state-exception")]
public sealed class SessionStateException(string message)
    : SessionException("session_conflict", message);

/// <summary>The agent named in the request does not exist or failed to load.</summary>
[GenerateSerializer]
[Alias("duragent.agent-not-found-exception")]
public sealed class AgentNotFoundException(string agent, string? detail = null)
    : SessionException("agent_not_found", detail is null ? $"Agent '{agent}' does not exist." : $"Agent '{agent}' is not available: {detail}")
{
    [Id(0)]
    public string Agent { get; } = agent;
}

/// <summary>The request itself is invalid (empty content, too long, bad field).</summary>
[GenerateSerializer]
[Alias("duragent.session-request-exception")]
public sealed class SessionRequestException(string message)
    : SessionException("invalid_request", message);

/// <summary>
/// The session's activation ended (silo shutdown, migration) while the caller waited on it. Nothing is lost: the next
/// call activates the session again, on this silo or another, and its turn resumes or parks as its
/// <c>on_disconnect</c> says. <see cref="SessionGrainExtensions.WaitForTurnAcrossActivationsAsync"/> retries on it.
/// </summary>
[GenerateSerializer]
[Alias("duragent.session-deactivated-exception")]
public sealed class SessionDeactivatedException(string sessionId, string reason)
    : SessionException("session_deactivated", $"Session '{sessionId}' was deactivated ({reason}) while the call waited; call again.")
{
    [Id(0)]
    public string SessionId { get; } = sessionId;
}
