using Duragent.Sessions.Events;
using YamlDotNet.Serialization;

namespace Duragent.Sessions;

/// <summary>
/// The session's state as folded from its event log (<see cref="SessionProjection"/>). Persisted as the
/// <c>state.yaml</c> snapshot; everything after <see cref="LastSeq"/> is replayed from the log on activation.
/// The grain never changes it except by recording an event and applying it, so a replayed session and a live one
/// are the same by construction.
/// </summary>
/// <remarks>
/// The snapshot holds what resuming needs (status, counters, the running turn), not the conversation: that lives in
/// the event log, and a snapshot costs the same on the 1,000th message as on the 10th. The conversation, the deferred
/// messages and the idempotency keys are the <em>history view</em>: folded like everything else while
/// <see cref="HistoryLoaded"/> is true, rebuilt from the log when an activation first needs them, and written into the
/// snapshot only when the log cannot rebuild them (<see cref="HistoryInSnapshot"/>: <c>compaction: discard</c>).
/// </remarks>
public sealed class SessionState
{
    /// <summary>The snapshot format version: 1.</summary>
    public int SchemaVersion { get; set; } = 1;

    public string SessionId { get; set; } = string.Empty;

    public string Agent { get; set; } = string.Empty;

    public SessionStatus Status { get; set; }

    public OnDisconnect OnDisconnect { get; set; }

    public string? Source { get; set; }

    public string? Gateway { get; set; }

    public string? ChatId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The seq of the last event folded into this state (0: nothing recorded yet).</summary>
    public long LastSeq { get; set; }

    /// <summary>User and assistant messages and tool results, in the order the model sees them (history view).</summary>
    [YamlIgnore]
    public List<ConversationEntry> Conversation { get; set; } = [];

    /// <summary>
    /// User messages that arrived while tool calls were unanswered (history view). They join the conversation once
    /// every call of the assistant message has its result, so the history never shows a tool call separated from its
    /// results.
    /// </summary>
    [YamlIgnore]
    public List<ConversationEntry> Deferred { get; set; } = [];

    /// <summary>Recent client message ids (idempotency keys) and what they were acknowledged with; the last 100 (history view).</summary>
    [YamlIgnore]
    public List<ClientMessageRef> RecentClientMessages { get; set; } = [];

    /// <summary>
    /// True while <see cref="Conversation"/>, <see cref="Deferred"/> and <see cref="RecentClientMessages"/> are
    /// complete: for a new session, after a snapshot that carried them, or once rebuilt from the log. While false the
    /// projection leaves them alone. Never persisted.
    /// </summary>
    [YamlIgnore]
    public bool HistoryLoaded { get; set; } = true;

    /// <summary>
    /// Whether the snapshot carries the history view: true only when the log does not keep every event
    /// (<c>compaction: discard</c>), so the snapshot is the only copy. Never persisted.
    /// </summary>
    [YamlIgnore]
    public bool HistoryInSnapshot { get; set; }

    /// <summary>
    /// The conversation as stored in the snapshot: left out unless <see cref="HistoryInSnapshot"/>. The YAML keys of
    /// the history parts are those of release 1, whose snapshots always carried them, so such a snapshot reads as one
    /// that carries its history.
    /// </summary>
    [YamlMember(Alias = "conversation", DefaultValuesHandling = DefaultValuesHandling.OmitNull)]
    public List<ConversationEntry>? StoredConversation
    {
        get => HistoryInSnapshot ? Conversation : null;
        set => SetStoredHistory(value, null, null);
    }

    /// <summary>The deferred messages as stored in the snapshot (see <see cref="StoredConversation"/>).</summary>
    [YamlMember(Alias = "deferred", DefaultValuesHandling = DefaultValuesHandling.OmitNull)]
    public List<ConversationEntry>? StoredDeferred
    {
        get => HistoryInSnapshot ? Deferred : null;
        set => SetStoredHistory(null, value, null);
    }

    /// <summary>The idempotency keys as stored in the snapshot (see <see cref="StoredConversation"/>).</summary>
    [YamlMember(Alias = "recent_client_messages", DefaultValuesHandling = DefaultValuesHandling.OmitNull)]
    public List<ClientMessageRef>? StoredClientMessages
    {
        get => HistoryInSnapshot ? RecentClientMessages : null;
        set => SetStoredHistory(null, null, value);
    }

    /// <summary>
    /// Call ids of the latest complete assistant message that have no result yet. Decides whether a user message
    /// joins the conversation or waits (<see cref="Deferred"/>) without the conversation itself.
    /// </summary>
    public List<string> OpenToolCalls { get; set; } = [];

    /// <summary>The running or parked turn; null when idle.</summary>
    public TurnState? Turn { get; set; }

    /// <summary>User and assistant messages recorded (tool results not counted).</summary>
    public int MessageCount { get; set; }

    public string? LastError { get; set; }

    /// <summary>The id of the last turn that ended.</summary>
    public string? LastTurnId { get; set; }

    /// <summary>How the last turn ended.</summary>
    public TurnOutcome? LastTurnOutcome { get; set; }

    /// <summary>Token usage over the session's life.</summary>
    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }

    /// <summary>True once <c>session_started</c> was applied.</summary>
    public bool Exists => LastSeq > 0;

    /// <summary>
    /// The session as clients see it: the one place a <see cref="SessionInfo"/> is made, by the live grain and by the
    /// listing of stored sessions alike. <paramref name="problem"/> (a storage fault) stands in for the last error.
    /// </summary>
    public SessionInfo ToInfo(string sessionId, int attachedClients = 0, string? problem = null)
    {
        var pending = Turn?.Calls.Find(c => c.Phase == ToolCallPhase.AwaitingApproval);
        return new SessionInfo(
            sessionId,
            Agent,
            Status,
            CreatedAt,
            UpdatedAt,
            OnDisconnect,
            LastSeq,
            MessageCount,
            Turn?.TurnId,
            pending is null ? null : new PendingApprovalInfo(Turn!.TurnId, pending.CallId, pending.Tool, pending.Command, pending.Arguments, pending.RequestedAt, pending.ExpiresAt),
            problem ?? LastError,
            attachedClients,
            Source);
    }

    // A snapshot that carries a history part carries all of them (written together), so reading any one of them marks
    // the view as stored (and, by the grain, as loaded).
    private void SetStoredHistory(List<ConversationEntry>? conversation, List<ConversationEntry>? deferred, List<ClientMessageRef>? clients)
    {
        if (conversation is null && deferred is null && clients is null)
        {
            return;
        }

        if (conversation is not null)
        {
            Conversation = conversation;
        }

        if (deferred is not null)
        {
            Deferred = deferred;
        }

        if (clients is not null)
        {
            RecentClientMessages = clients;
        }

        HistoryInSnapshot = true;
    }
}

/// <summary>One conversation message.</summary>
public sealed class ConversationEntry
{
    public long Seq { get; set; }

    /// <summary><c>user</c>, <c>assistant</c> or <c>tool</c>.</summary>
    public string Role { get; set; } = string.Empty;

    public string Content { get; set; } = string.Empty;

    public DateTimeOffset Timestamp { get; set; }

    public string? MessageId { get; set; }

    public List<ToolCallEntry>? ToolCalls { get; set; }

    public string? ToolCallId { get; set; }

    public string? ToolName { get; set; }

    /// <summary>For a tool result: the call failed, was denied, skipped or timed out.</summary>
    public bool IsError { get; set; }

    /// <summary>An assistant reply cut short (pause, cancel): shown in the history, never sent to the model.</summary>
    public bool Interrupted { get; set; }

    public string? SenderName { get; set; }
}

/// <summary>A tool call of an assistant message (a plain class: snapshots are YAML).</summary>
public sealed class ToolCallEntry
{
    public string Id { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    /// <summary>The arguments as JSON text.</summary>
    public string Arguments { get; set; } = "{}";

    public ToolCallRecord ToRecord() => new(Id, Name, Arguments);

    public static ToolCallEntry From(ToolCallRecord record) => new() { Id = record.Id, Name = record.Name, Arguments = record.Arguments };
}

/// <summary>An idempotency key and its acknowledgement.</summary>
public sealed class ClientMessageRef
{
    public string ClientMessageId { get; set; } = string.Empty;

    public string MessageId { get; set; } = string.Empty;

    public long Seq { get; set; }
}

/// <summary>The state of the running or parked turn.</summary>
public sealed class TurnState
{
    public string TurnId { get; set; } = string.Empty;

    /// <summary>The seq of the user message that started the turn.</summary>
    public long TriggerSeq { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>Completed LLM calls in this turn.</summary>
    public int Iteration { get; set; }

    /// <summary>True between <c>llm_call_started</c> and its result.</summary>
    public bool LlmCallInFlight { get; set; }

    /// <summary>The seq of the latest <c>llm_call_started</c>: the model saw the conversation up to it.</summary>
    public long LlmCallStartedSeq { get; set; }

    /// <summary>The code of the latest <c>llm_call_failed</c> of the current call, if any.</summary>
    public string? LastLlmFailure { get; set; }

    /// <summary>Attempts of the current LLM call (re-issued after a broken stream or a restart).</summary>
    public int LlmAttempt { get; set; }

    /// <summary>Tool calls of the latest assistant message, in order.</summary>
    public List<TurnToolCall> Calls { get; set; } = [];

    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }

    /// <summary>The id of the turn's last complete assistant message.</summary>
    public string? LastAssistantMessageId { get; set; }
}

/// <summary>Where one tool call stands.</summary>
public sealed class TurnToolCall
{
    public string CallId { get; set; } = string.Empty;

    public string Tool { get; set; } = string.Empty;

    /// <summary>The arguments as JSON text.</summary>
    public string Arguments { get; set; } = "{}";

    public bool Idempotent { get; set; }

    /// <summary>The policy verdict at request time: <c>allow</c>, <c>ask</c>, <c>deny</c>.</summary>
    public string Verdict { get; set; } = "allow";

    /// <summary>The invocation string the policy judged (and what a person is asked about).</summary>
    public string Command { get; set; } = string.Empty;

    public ToolCallPhase Phase { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>Set once a person decided.</summary>
    public ApprovalChoice? Decision { get; set; }

    /// <summary>True when the call needs no more work (finished, interrupted, skipped, denied and answered).</summary>
    public bool IsDone => Phase is ToolCallPhase.Finished;
}

/// <summary>The life of a tool call inside a turn.</summary>
public enum ToolCallPhase
{
    /// <summary>Asked for by the model, not yet decided.</summary>
    Requested = 0,

    /// <summary>Waiting for a person.</summary>
    AwaitingApproval = 1,

    /// <summary>Allowed by a person; not started yet.</summary>
    Approved = 2,

    /// <summary>Denied by a person; the denial is not recorded as a result yet.</summary>
    Denied = 3,

    /// <summary>Running (or interrupted, when found in this phase after a restart).</summary>
    Started = 4,

    /// <summary>Has its result in the conversation.</summary>
    Finished = 5,
}
