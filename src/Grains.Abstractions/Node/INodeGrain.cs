using Duragent.Agents;
using Duragent.Sessions;
using Orleans.Concurrency;

namespace Duragent.Node;

/// <summary>
/// One running silo as its clients see it: status, graceful stop and agent reload of that process, and the workspace's
/// agents and sessions as that silo knows them. The key is the silo's address
/// (<see cref="Orleans.Runtime.SiloAddress.ToParsableString"/>); the activation is always placed on that silo, so a
/// client that asks a given silo to stop stops that one. The CLI resolves the key with <c>NodeLocator</c>.
/// </summary>
[Alias("duragent.node")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>The process, its version, its workspace and its endpoints.</summary>
    [AlwaysInterleave]
    Task<NodeStatus> GetStatusAsync();

    /// <summary>
    /// Begins a graceful stop of this silo's process once the answer is on its way (streams end, running work stops and
    /// is recorded, snapshots are flushed). Throws <see cref="NodeStoppingException"/> when it is stopping already.
    /// </summary>
    Task<NodeStatus> ShutdownAsync(string requestedBy);

    /// <summary>
    /// Replaces the HTTP API token this process generated (the new one is in its runtime folder; the old one stops
    /// working now). Throws <see cref="InvalidOperationException"/> when the token is configured (<c>server.api_token</c>)
    /// or the process has no HTTP gateway. The token itself never crosses the wire.
    /// </summary>
    Task RotateApiTokenAsync(string requestedBy);

    /// <summary>Reads every agent again (this silo's catalog).</summary>
    Task<ReloadResult> ReloadAgentsAsync();

    /// <summary>Every agent of the workspace, valid or not, sorted by name.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<AgentSummary>> ListAgentsAsync();

    /// <summary>One agent by name; see <see cref="AgentLookup"/>.</summary>
    [AlwaysInterleave]
    Task<AgentLookup> GetAgentAsync(string name);

    /// <summary>
    /// The system prompt <paramref name="name"/>'s sessions would send now (templates rendered at this moment, current
    /// directives, skills and <c>AGENTS.md</c>), part by part with each part's source files.
    /// </summary>
    [AlwaysInterleave]
    Task<AgentPromptView> GetAgentPromptAsync(string name);

    /// <summary>Every stored session, newest first, optionally only those of one status or agent.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(SessionStatus? status = null, string? agent = null);
}

/// <summary>The status of one silo process.</summary>
/// <param name="SiloAddress">The silo's Orleans address (the node grain's key).</param>
/// <param name="Gateway">The Orleans client gateway, <c>host:port</c>; null when the silo has none.</param>
/// <param name="HttpAddresses">Where the HTTP gateway listens; empty without one.</param>
/// <param name="Stopping">True once a graceful stop began.</param>
/// <param name="AttachedClients">Clients attached to session streams on this silo.</param>
/// <param name="RunningTurns">Turns running on this silo.</param>
[GenerateSerializer]
[Alias("duragent.node-status")]
public sealed record NodeStatus(
    [Id(0)] string Version,
    [Id(1)] int Pid,
    [Id(2)] string WorkspaceHash,
    [Id(3)] string WorkspaceDirectory,
    [Id(4)] string SiloAddress,
    [Id(5)] string? Gateway,
    [Id(6)] IReadOnlyList<string> HttpAddresses,
    [Id(7)] DateTimeOffset StartedAt,
    [Id(8)] bool Stopping,
    [Id(9)] int AttachedClients,
    [Id(10)] int RunningTurns);

/// <summary>The silo is stopping already; a second stop request is refused.</summary>
[GenerateSerializer]
[Alias("duragent.node-stopping-exception")]
public sealed class NodeStoppingException(string message) : Exception(message);
