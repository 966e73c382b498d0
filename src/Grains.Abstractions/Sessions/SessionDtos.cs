using Duragent.Sessions.Events;

namespace Duragent.Sessions;

// Requests and replies of ISessionGrain. They are also the bodies of the HTTP API (snake_case JSON).

/// <summary>Create a session for an agent.</summary>
/// <param name="Agent">The agent's name.</param>
/// <param name="OnDisconnect">Overrides the agent's <c>session.on_disconnect</c>.</param>
/// <param name="Source">Who created it: <c>api</c>, <c>cli</c>, <c>gateway</c>, <c>schedule</c>.</param>
public sealed record CreateSession(string Agent, OnDisconnect? OnDisconnect = null, string? Source = null, string? Gateway = null, string? ChatId = null);

/// <summary>A message for the session.</summary>
/// <param name="ClientMessageId">Optional idempotency key: a retried message with the same key is acknowledged again, not stored twice.</param>
public sealed record SendMessage(string Content, string? SenderId = null, string? SenderName = null, string? Source = null, string? ClientMessageId = null);

/// <summary>The acknowledgement of a durable user message.</summary>
/// <param name="Seq">The <c>seq</c> of the <c>user_message</c> event.</param>
/// <param name="TurnId">The turn that will answer it (new or running).</param>
/// <param name="StartedTurn">True when the message started a turn; false when it steers the running one or waits for it.</param>
/// <param name="Duplicate">True when <c>client_message_id</c> matched an earlier message; nothing new was stored.</param>
public sealed record MessageAccepted(string MessageId, long Seq, string? TurnId, bool StartedTurn, bool Duplicate = false);

/// <summary>A decision on the pending approval <paramref name="CallId"/>.</summary>
public sealed record DecideApproval(string CallId, ApprovalChoice Decision, string? DecidedBy = null);

/// <summary>A tool call waiting for a person.</summary>
public sealed record PendingApprovalInfo(string TurnId, string CallId, string Tool, string Command, string Arguments, DateTimeOffset RequestedAt, DateTimeOffset? ExpiresAt);

/// <summary>What a session looks like now.</summary>
public sealed record SessionInfo(
    string SessionId,
    string Agent,
    SessionStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    OnDisconnect OnDisconnect,
    long LastSeq,
    int MessageCount,
    string? CurrentTurnId = null,
    PendingApprovalInfo? PendingApproval = null,
    string? LastError = null,
    int AttachedClients = 0,
    string? Source = null);

/// <summary>A page query over a session's conversation.</summary>
/// <param name="Limit">Messages per page (1–500).</param>
/// <param name="BeforeSeq">Only messages with a smaller seq (cursor for newest-first paging).</param>
/// <param name="AfterSeq">Only messages with a larger seq (cursor for oldest-first paging).</param>
/// <param name="NewestFirst">Order of the page.</param>
/// <param name="IncludeTools">Include tool results and tool-call-only assistant messages.</param>
public sealed record MessageQuery(int Limit = 50, long? BeforeSeq = null, long? AfterSeq = null, bool NewestFirst = false, bool IncludeTools = false);

/// <summary>A conversation message as clients see it.</summary>
public sealed record SessionMessage(
    long Seq,
    string Role,
    string Content,
    DateTimeOffset Timestamp,
    string? MessageId = null,
    IReadOnlyList<ToolCallRecord>? ToolCalls = null,
    string? ToolCallId = null,
    string? ToolName = null,
    bool Interrupted = false);

/// <summary>A page of messages; pass <see cref="NextCursor"/> as <c>before_seq</c> (newest-first) or <c>after_seq</c> to continue.</summary>
public sealed record MessagePage(IReadOnlyList<SessionMessage> Messages, long? NextCursor, bool HasMore);

/// <summary>A page of stored events (<c>GET …/events</c>): the events in seq order, the seq to continue after, and whether more follow.</summary>
public sealed record StoredEventsPage(IReadOnlyList<Duragent.Storage.StoredEvent> Events, long NextAfter, bool HasMore);

/// <summary>Options for opening a session's event stream.</summary>
/// <param name="AfterSeq">Replay events with a larger seq first (the SSE <c>Last-Event-ID</c>); 0 replays everything.</param>
/// <param name="Attach">The reader is an interactive client: while at least one is attached the session counts as watched, and when the last one goes away mid-turn <c>on_disconnect</c> applies.</param>
/// <param name="Client">A label for logs (e.g. <c>cli</c>, <c>sse 127.0.0.1:5123</c>).</param>
public sealed record StreamOptions(long AfterSeq = 0, bool Attach = false, string? Client = null);

/// <summary>How a turn ended, for callers that wait for it (<c>POST …/messages?wait=true</c>).</summary>
/// <param name="Status">The session status when the wait ended: <c>active</c> (done), <c>awaiting_approval</c>, <c>paused</c>, <c>failed</c>.</param>
/// <param name="Outcome">Set when the turn completed.</param>
/// <param name="Content">The final assistant text, when there is one.</param>
public sealed record TurnResult(
    string TurnId,
    SessionStatus Status,
    TurnOutcome? Outcome,
    string? Content,
    string? MessageId,
    PendingApprovalInfo? PendingApproval,
    string? Error,
    long LastSeq);
