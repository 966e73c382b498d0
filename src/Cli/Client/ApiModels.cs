namespace Duragent.Cli.Client;

/// <summary>
/// <c>GET /readyz</c> of the HTTP gateway: <c>{status, workspace_hash, version, pid}</c> to a caller with the API token,
/// <c>{status}</c> otherwise. The launcher reads it with the workspace's token to tell another workspace's server on the
/// configured HTTP port from a free port; every other call goes through Orleans.
/// </summary>
internal sealed record HealthStatus(string Status, string? WorkspaceHash = null, string? Version = null, int? Pid = null);
