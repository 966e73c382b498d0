using System.Text.Json;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Integration.Tests.Http;

// The HTTP bodies the client reads and writes that are not session DTOs (those come from Grains.Abstractions).
// Small records bound to HttpApiClient; snake_case on the wire (HttpApiJsonContext).

/// <summary><c>GET /readyz</c> and <c>/livez</c>: <c>{status, workspace_hash, version, pid}</c>.</summary>
internal sealed record HealthStatus(string Status, string? WorkspaceHash = null, string? Version = null, int? Pid = null);

/// <summary><c>GET /version</c>.</summary>
internal sealed record ServerVersion(string Version, string? Commit = null, string? BuildDate = null, string? Runtime = null, string? Os = null);

/// <summary>The model of an agent as the API lists it.</summary>
internal sealed record AgentModelInfo(string Provider, string Name);

/// <summary>An agent as <c>GET /api/v1/agents</c> lists it; errors and warnings are strings or located objects.</summary>
internal sealed record AgentSummary(
    string Name,
    string? Description = null,
    string? Version = null,
    AgentModelInfo? Model = null,
    bool Valid = true,
    IReadOnlyList<JsonElement>? Errors = null,
    IReadOnlyList<JsonElement>? Warnings = null);

/// <summary><c>GET /api/v1/agents/{name}</c>: the agent as loaded (the parts the CLI shows).</summary>
internal sealed record AgentDetail(AgentMetadataView Metadata, AgentSpecView Spec, IReadOnlyList<string>? Warnings = null);

/// <summary>The agent's <c>metadata</c>.</summary>
internal sealed record AgentMetadataView(string Name, string? Description = null, string? Version = null);

/// <summary>The agent's visible <c>spec</c>.</summary>
internal sealed record AgentSpecView(AgentModelInfo Model, AgentSessionView? Session = null);

/// <summary>The agent's <c>spec.session</c>.</summary>
internal sealed record AgentSessionView(OnDisconnect OnDisconnect);

/// <summary><c>{agents: […]}</c>.</summary>
internal sealed record AgentList(IReadOnlyList<AgentSummary> Agents);

/// <summary><c>{sessions: […]}</c>.</summary>
internal sealed record SessionList(IReadOnlyList<SessionInfo> Sessions);

/// <summary><c>POST /api/v1/sessions</c>.</summary>
internal sealed record CreateSessionRequest(string Agent, OnDisconnect? OnDisconnect = null, string? SessionId = null, string? Source = "cli");

/// <summary><c>POST /api/v1/sessions/{id}/messages</c>.</summary>
internal sealed record PostMessageRequest(string Content, string? ClientMessageId = null);

/// <summary><c>POST /api/v1/sessions/{id}/approvals</c>.</summary>
internal sealed record ApprovalRequest(string CallId, ApprovalChoice Decision);

/// <summary><c>POST /api/v1/sessions/{id}/cancel</c>.</summary>
internal sealed record CancelResult(bool Cancelled);

/// <summary><c>POST /api/admin/v1/shutdown</c>.</summary>
internal sealed record ShutdownStatus(string Status);

/// <summary><c>POST /api/admin/v1/reload</c>: agents loaded, and the errors of those that did not.</summary>
internal sealed record ReloadResult(int Agents, IReadOnlyList<string>? Errors = null);

/// <summary>An RFC 7807 problem with Duragent's stable <c>code</c>.</summary>
internal sealed record ProblemBody(string? Type = null, string? Title = null, int? Status = null, string? Detail = null, string? Code = null, string? Instance = null, IReadOnlyList<string>? Errors = null);

/// <summary>A page of stored events (<c>GET …/events</c>).</summary>
internal sealed record EventPage(IReadOnlyList<SessionEventEnvelope> Events, long NextAfter, bool HasMore);
