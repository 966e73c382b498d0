using Orleans.Concurrency;

namespace Duragent.Sessions;

/// <summary>
/// A durable conversation with one agent, and the agent loop that answers it. Key: the session id
/// (<c>session_&lt;ULID&gt;</c>, or any valid <see cref="GrainKey"/>). The grain type is <c>session</c>.
/// </summary>
/// <remarks>
/// Every step is recorded in the session's event log before the next one runs. Long work (LLM streaming, tool
/// processes) runs outside the grain's turns, so the grain stays free for messages, approvals, cancellation and
/// queries while a turn runs. Queries are <see cref="AlwaysInterleaveAttribute"/> and never wait behind an LLM call.
/// </remarks>
[Alias("duragent.session")]
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

    /// <summary>
    /// The session's events with <c>seq &gt; options.AfterSeq</c>: first those already in the log, then live ones as
    /// they are recorded, each exactly once and in order (no gap, no duplicate), until the session is deleted, the
    /// activation ends or <paramref name="cancellationToken"/> fires. A slow reader never loses events: when it falls
    /// behind the live buffer it catches up from the log. With <see cref="StreamOptions.Attach"/> the reader counts as
    /// an attached client until the enumeration ends (disposed, cancelled, or the client vanished and Orleans cleaned
    /// up its enumerator): the last attached client leaving applies the session's <c>on_disconnect</c>.
    /// Text deltas (<c>assistant_delta</c>) may reach readers before they are durable; every other event only after.
    /// </summary>
    [AlwaysInterleave]
    IAsyncEnumerable<SessionEventEnvelope> StreamAsync(StreamOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until the turn that answers the message with seq <paramref name="messageSeq"/> ends, parks (approval,
    /// pause) or fails, and returns how. Bounded by <paramref name="cancellationToken"/> only.
    /// </summary>
    [AlwaysInterleave]
    [ResponseTimeout("1.00:00:00")]
    Task<TurnResult> WaitForTurnAsync(long messageSeq, CancellationToken cancellationToken);
}
