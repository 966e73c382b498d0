using Duragent.Agents;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Duragent.Schedules;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Gateway.Http.Json;

// The bodies of the HTTP API that are not session DTOs (those live in Duragent.Sessions and are shared with the
// grains). One file on purpose: together they read as the wire contract; each record is a line or two. JSON is
// snake_case (GatewayJsonContext); nulls are left out.

/// <summary><c>POST /api/v1/sessions</c>.</summary>
/// <param name="Agent">The agent's name. Required.</param>
/// <param name="OnDisconnect">Overrides the agent's <c>session.on_disconnect</c>: <c>pause</c> or <c>continue</c>.</param>
/// <param name="SessionId">The id to use instead of a generated <c>session_&lt;ULID&gt;</c>.</param>
/// <param name="Source">Who creates the session (<c>api</c> by default; the CLI sends <c>cli</c>).</param>
public sealed record CreateSessionRequest([property: Required] string? Agent, OnDisconnect? OnDisconnect = null, string? SessionId = null, string? Source = null);

/// <summary><c>POST /api/v1/sessions/{id}/messages</c>.</summary>
/// <param name="Content">The message text. Required, not blank.</param>
/// <param name="ClientMessageId">Idempotency key: a retry with the same key is acknowledged again, not stored twice.</param>
public sealed record SendMessageRequest([property: Required] string? Content, string? ClientMessageId = null, string? SenderId = null, string? SenderName = null);

/// <summary><c>POST /api/v1/sessions/{id}/approvals</c>.</summary>
/// <param name="CallId">The pending tool call (<c>pending_approval.call_id</c> of the session). Required.</param>
/// <param name="Decision"><c>allow_once</c>, <c>allow_always</c> or <c>deny</c>. Required.</param>
/// <param name="DecidedBy">Who decided, for the log.</param>
public sealed record DecideApprovalRequest([property: Required] string? CallId, [property: Required] ApprovalChoice? Decision, string? DecidedBy = null);

/// <summary><c>GET /api/v1/sessions</c>.</summary>
public sealed record SessionList(IReadOnlyList<SessionInfo> Sessions);

/// <summary><c>GET /api/v1/agents</c>.</summary>
public sealed record AgentList(IReadOnlyList<AgentSummary> Agents);

/// <summary><c>POST /api/v1/sessions/{id}/cancel</c>: false when no turn was running.</summary>
public sealed record CancelResult(bool Cancelled);

/// <summary>The answer of <c>POST /api/v1/sessions/{id}/stream-token</c>: pass <c>token</c> as <c>?stream_token=</c> on that session's stream before <c>expires_at</c>.</summary>
public sealed record StreamTokenResult(string Token, DateTimeOffset ExpiresAt);

/// <summary><c>POST /api/admin/v1/shutdown</c>.</summary>
public sealed record ShutdownStatus(string Status);

/// <summary><c>GET /readyz</c>: the status only, unless the caller sent the API token.</summary>
public sealed record ReadyStatus(string Status, string? WorkspaceHash = null, string? Version = null, int? Pid = null);

/// <summary><c>GET /version</c>.</summary>
public sealed record VersionInfo(string Version, string Commit, string BuildDate, string Runtime, string Os);

/// <summary>
/// <c>GET /api/v1/sessions/{id}/events</c>: stored events, each exactly as in the log (envelope <c>seq</c>, <c>ts</c>,
/// <c>type</c> and the event's fields). Pass <see cref="NextAfter"/> as <c>after</c> to read on.
/// </summary>
public sealed record SessionEventsPage(IReadOnlyList<JsonElement> Events, long NextAfter, bool HasMore);

/// <summary>
/// <c>POST /api/v1/schedules</c> and <c>PUT /api/v1/schedules/{id}</c>: the fields of <see cref="ScheduleSpec"/>
/// (see docs/schedules.md); <c>agent</c>, <c>text</c> and one of <c>at</c>, <c>every</c>, <c>cron</c> are required.
/// </summary>
/// <param name="ScheduleId">The id to use instead of a generated <c>sched_&lt;ULID&gt;</c> (create only).</param>
public sealed record ScheduleRequest(
    [property: Required] string? Agent,
    [property: Required] string? Text,
    SchedulePayload? Payload = null,
    string? At = null,
    string? Every = null,
    string? Cron = null,
    string? TimeZone = null,
    DateTimeOffset? Anchor = null,
    string? Session = null,
    CatchUpPolicy? CatchUp = null,
    string? Grace = null,
    int? MaxConcurrent = null,
    BusyPolicy? OnBusy = null,
    int? MaxAttempts = null,
    string? Description = null,
    string? ScheduleId = null);

/// <summary><c>GET /api/v1/schedules</c>.</summary>
public sealed record ScheduleList(IReadOnlyList<ScheduleInfo> Schedules);

/// <summary><c>GET /api/v1/schedules/{id}/runs</c>: newest first.</summary>
public sealed record ScheduleRunList(IReadOnlyList<ScheduleRun> Runs);
