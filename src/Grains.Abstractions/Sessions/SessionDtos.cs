using Duragent.Sessions.Events;

namespace Duragent.Sessions;

// Requests and replies of ISessionGrain. They are also the bodies of the HTTP API (snake_case JSON).
// Orleans field ids ([Id(n)] on the primary-constructor parameters) are the wire schema between silo and clients:
// never renumber or reuse one; a new parameter takes the next free id.

/// <summary>Create a session for an agent.</summary>
/// <param name="Agent">The agent's name.</param>
/// <param name="OnDisconnect">Overrides the agent's <c>session.on_disconnect</c>.</param>
/// <param name="Source">Who created it: <c>api</c>, <c>cli</c>, <c>gateway</c>, <c>schedule</c>.</param>
[GenerateSerializer]
[Alias("duragent.create-session")]
public sealed record CreateSession(
    [Id(0)] string Agent,
    [Id(1)] OnDisconnect? OnDisconnect = null,
    [Id(2)] string? Source = null,
    [Id(3)] string? Gateway = null,
    [Id(4)] string? ChatId = null);

/// <summary>A message for the session.</summary>
/// <param name="ClientMessageId">Optional idempotency key: a retried message with the same key is acknowledged again, not stored twice.</param>
[GenerateSerializer]
[Alias("duragent.send-message")]
public sealed record SendMessage(
    [Id(0)] string Content,
    [Id(1)] string? SenderId = null,
    [Id(2)] string? SenderName = null,
    [Id(3)] string? Source = null,
    [Id(4)] string? ClientMessageId = null);

/// <summary>The acknowledgement of a durable user message.</summary>
/// <param name="Seq">The <c>seq</c> of the <c>user_message</c> event.</param>
/// <param name="TurnId">The turn that will answer it (new or running).</param>
/// <param name="StartedTurn">True when the message started a turn; false when it steers the running one or waits for it.</param>
/// <param name="Duplicate">True when <c>client_message_id</c> matched an earlier message; nothing new was stored.</param>
[GenerateSerializer]
[Alias("duragent.message-accepted")]
public sealed record MessageAccepted(
    [Id(0)] string MessageId,
    [Id(1)] long Seq,
    [Id(2)] string? TurnId,
    [Id(3)] bool StartedTurn,
    [Id(4)] bool Duplicate = false);

/// <summary>A decision on the pending approval <paramref name="CallId"/>.</summary>
[GenerateSerializer]
[Alias("duragent.decide-approval")]
public sealed record DecideApproval(
    [Id(0)] string CallId,
    [Id(1)] ApprovalChoice Decision,
    [Id(2)] string? DecidedBy = null);

/// <summary>A tool call waiting for a person.</summary>
[GenerateSerializer]
[Alias("duragent.pending-approval-info")]
public sealed record PendingApprovalInfo(
    [Id(0)] string TurnId,
    [Id(1)] string CallId,
    [Id(2)] string Tool,
    [Id(3)] string Command,
    [Id(4)] string Arguments,
    [Id(5)] DateTimeOffset RequestedAt,
    [Id(6)] DateTimeOffset? ExpiresAt);

/// <summary>What a session looks like now.</summary>
[GenerateSerializer]
[Alias("duragent.session-info")]
public sealed record SessionInfo(
    [Id(0)] string SessionId,
    [Id(1)] string Agent,
    [Id(2)] SessionStatus Status,
    [Id(3)] DateTimeOffset CreatedAt,
    [Id(4)] DateTimeOffset UpdatedAt,
    [Id(5)] OnDisconnect OnDisconnect,
    [Id(6)] long LastSeq,
    [Id(7)] int MessageCount,
    [Id(8)] string? CurrentTurnId = null,
    [Id(9)] PendingApprovalInfo? PendingApproval = null,
    [Id(10)] string? LastError = null,
    [Id(11)] int AttachedClients = 0,
    [Id(12)] string? Source = null);

/// <summary>A page query over a session's conversation.</summary>
/// <param name="Limit">Messages per page (1–500).</param>
/// <param name="BeforeSeq">Only messages with a smaller seq (cursor for newest-first paging).</param>
/// <param name="AfterSeq">Only messages with a larger seq (cursor for oldest-first paging).</param>
/// <param name="NewestFirst">Order of the page.</param>
/// <param name="IncludeTools">Include tool results and tool-call-only assistant messages.</param>
[GenerateSerializer]
[Alias("duragent.message-query")]
public sealed record MessageQuery(
    [Id(0)] int Limit = 50,
    [Id(1)] long? BeforeSeq = null,
    [Id(2)] long? AfterSeq = null,
    [Id(3)] bool NewestFirst = false,
    [Id(4)] bool IncludeTools = false);

/// <summary>A conversation message as clients see it.</summary>
[GenerateSerializer]
[Alias("duragent.session-message")]
public sealed record SessionMessage(
    [Id(0)] long Seq,
    [Id(1)] string Role,
    [Id(2)] string Content,
    [Id(3)] DateTimeOffset Timestamp,
    [Id(4)] string? MessageId = null,
    [Id(5)] IReadOnlyList<ToolCallRecord>? ToolCalls = null,
    [Id(6)] string? ToolCallId = null,
    [Id(7)] string? ToolName = null,
    [Id(8)] bool Interrupted = false);

/// <summary>A page of messages; pass <see cref="NextCursor"/> as <c>before_seq</c> (newest-first) or <c>after_seq</c> to continue.</summary>
[GenerateSerializer]
[Alias("duragent.message-page")]
public sealed record MessagePage(
    [Id(0)] IReadOnlyList<SessionMessage> Messages,
    [Id(1)] long? NextCursor,
    [Id(2)] bool HasMore);

/// <summary>A page of stored events (<c>GET …/events</c>): the events in seq order, the seq to continue after, and whether more follow.</summary>
[GenerateSerializer]
[Alias("duragent.stored-events-page")]
public sealed record StoredEventsPage(
    [Id(0)] IReadOnlyList<Duragent.Storage.StoredEvent> Events,
    [Id(1)] long NextAfter,
    [Id(2)] bool HasMore);

/// <summary>Options for opening a session's event stream.</summary>
/// <param name="AfterSeq">Replay events with a larger seq first (the SSE <c>Last-Event-ID</c>); 0 replays everything.</param>
/// <param name="Attach">The reader is an interactive client: while at least one is attached the session counts as watched, and when the last one goes away mid-turn <c>on_disconnect</c> applies.</param>
/// <param name="Client">A label for logs (e.g. <c>cli</c>, <c>sse 127.0.0.1:5123</c>).</param>
[GenerateSerializer]
[Alias("duragent.stream-options")]
public sealed record StreamOptions(
    [Id(0)] long AfterSeq = 0,
    [Id(1)] bool Attach = false,
    [Id(2)] string? Client = null);

/// <summary>How a turn ended, for callers that wait for it (<c>POST …/messages?wait=true</c>).</summary>
/// <param name="Status">The session status when the wait ended: <c>active</c> (done), <c>awaiting_approval</c>, <c>paused</c>, <c>failed</c>.</param>
/// <param name="Outcome">Set when the turn completed.</param>
/// <param name="Content">The final assistant text, when there is one.</param>
[GenerateSerializer]
[Alias("duragent.turn-result")]
public sealed record TurnResult(
    [Id(0)] string TurnId,
    [Id(1)] SessionStatus Status,
    [Id(2)] TurnOutcome? Outcome,
    [Id(3)] string? Content,
    [Id(4)] string? MessageId,
    [Id(5)] PendingApprovalInfo? PendingApproval,
    [Id(6)] string? Error,
    [Id(7)] long LastSeq);
