using Duragent.Runtime;

namespace Duragent.Sessions;

/// <summary>
/// A durable conversation with one agent, and the agent loop that answers it. Key: the session id
/// (<c>session_&lt;ULID&gt;</c>, or any valid <see cref="GrainKey"/>).
/// </summary>
/// <remarks>
/// Every step is recorded in the session's event log before the next one runs. Long work (LLM streaming, tool
/// processes) runs outside the grain's turns, so the grain stays free for messages, approvals, cancellation and
/// queries while a turn runs. Queries are <see cref="AlwaysInterleaveAttribute"/> and never wait behind an LLM call.
/// </remarks>
[GrainType("session")]
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the session: records <c>session_started</c> and the first snapshot. Throws
    /// <see cref="AgentNotFoundException"/> for an unknown agent and <see cref="SessionStateException"/> when the
    /// session already exists.
    /// </summary>
    Task<SessionInfo> CreateAsync(CreateSession command);

    /// <summary>The session, or null when it does not exist.</summary>
    [AlwaysInterleave]
    Task<SessionInfo?> GetInfoAsync();

    /// <summary>
    /// Records the message durably (fsynced) and returns. The message then starts a turn, or — when a turn is
    /// running — steers it (the loop sees it before its next LLM call). Never dropped.
    /// </summary>
    Task<MessageAccepted> SendMessageAsync(SendMessage command);

    /// <summary>Decides the pending approval; the turn continues. Throws <see cref="SessionStateException"/> when no approval with that call id is pending.</summary>
    Task<SessionInfo> DecideApprovalAsync(DecideApproval command);

    /// <summary>Cancels the running turn (the LLM call or the tool is stopped). Returns false when no turn was running.</summary>
    Task<bool> CancelTurnAsync(string? reason = null);

    /// <summary>Resumes a paused turn. Returns the session as it is after the resume was recorded.</summary>
    Task<SessionInfo> ResumeAsync();

    /// <summary>Ends the session and deletes everything stored for it.</summary>
    Task DeleteAsync();

    /// <summary>A page of the conversation.</summary>
    [AlwaysInterleave]
    Task<MessagePage> GetMessagesAsync(MessageQuery query);

    /// <summary>
    /// Up to <paramref name="limit"/> stored events with <c>seq &gt; afterSeq</c>, as appended (archived ones included).
    /// The session reads its own log: nothing outside the grain touches a session's storage. Throws
    /// <see cref="SessionNotFoundException"/> when the session does not exist.
    /// </summary>
    [AlwaysInterleave]
    Task<StoredEventsPage> GetEventsAsync(long afterSeq, int limit);

    /// <summary>Opens a stream of the session's events from <see cref="StreamOptions.AfterSeq"/>.</summary>
    [AlwaysInterleave]
    Task<ISessionEventStream> OpenStreamAsync(StreamOptions options);

    /// <summary>
    /// Waits until the turn that answers the message with seq <paramref name="messageSeq"/> ends, parks (approval,
    /// pause) or fails, and returns how. Bounded by <paramref name="cancellationToken"/> only.
    /// </summary>
    [AlwaysInterleave]
    [ResponseTimeout(0)]
    Task<TurnResult> WaitForTurnAsync(long messageSeq, CancellationToken cancellationToken);
}
