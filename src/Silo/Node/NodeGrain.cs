using System.Reflection;
using Duragent.Agents;
using Duragent.Configuration;
using Duragent.Sessions;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Duragent.Node;

/// <summary>
/// The <see cref="INodeGrain"/> of the silo it runs on (<see cref="SiloKeyedPlacement"/>): status and control of this
/// process, and this silo's view of the agent catalog and the session index.
/// </summary>
[GrainType(GrainTypeName)]
[SiloKeyedPlacement]
internal sealed partial class NodeGrain(
    IAgentCatalog catalog,
    ISessionIndex sessions,
    ISessionActivity activity,
    DuragentWorkspace workspace,
    AgentPromptSources prompts,
    TimeProvider clock,
    INodeLifetime lifetime,
    ILocalSiloDetails silo,
    ILogger<NodeGrain> logger) : Grain, INodeGrain
{
    /// <summary>The grain type name: <c>node</c>.</summary>
    public const string GrainTypeName = "node";

    // Long enough for the answer to leave the silo before the host begins to stop (and closes the gateway).
    private static readonly TimeSpan StopDelay = TimeSpan.FromMilliseconds(200);

    private static readonly DateTimeOffset StartedAt = new(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>The version of this build, e.g. <c>0.1.0</c>.</summary>
    internal static readonly string Version = ReadVersion();

    public Task<NodeStatus> GetStatusAsync() => Task.FromResult(Status());

    public Task<NodeStatus> ShutdownAsync(string requestedBy)
    {
        if (!lifetime.TryBeginShutdown())
        {
            throw new NodeStoppingException($"The server (pid {Environment.ProcessId}) is already stopping.");
        }

        LogShutdownRequested(logger, requestedBy);
        _ = Task.Run(async () =>
        {
            await Task.Delay(StopDelay);
            lifetime.StopApplication();
        });
        return Task.FromResult(Status() with { Stopping = true });
    }

    public Task RotateApiTokenAsync(string requestedBy)
    {
        var store = ServiceProvider.GetService(typeof(Security.ApiTokenStore)) as Security.ApiTokenStore
            ?? throw new InvalidOperationException("This server has no HTTP gateway, so it has no API token to rotate.");
        store.Rotate();
        LogTokenRotated(logger, requestedBy);
        return Task.CompletedTask;
    }

    public async Task<ReloadResult> ReloadAgentsAsync()
    {
        var result = await AgentViews.ReloadAsync(catalog, workspace);
        LogAgentsReloaded(logger, result.Agents, result.Errors.Count);
        return result;
    }

    public async Task<IReadOnlyList<AgentSummary>> ListAgentsAsync()
    {
        var entries = await catalog.ListAsync();
        return entries.Select(entry => AgentViews.Summary(entry, workspace)).ToList();
    }

    public async Task<AgentLookup> GetAgentAsync(string name)
    {
        if (GrainKey.Check(name) is { } rule)
        {
            throw new ArgumentException($"'{name}' is not a valid agent name: {rule}.", nameof(name));
        }

        return AgentViews.Lookup(name, await catalog.GetEntryAsync(name), workspace);
    }

    public async Task<AgentPromptView> GetAgentPromptAsync(string name)
    {
        if (GrainKey.Check(name) is { } rule)
        {
            throw new ArgumentException($"'{name}' is not a valid agent name: {rule}.", nameof(name));
        }

        var entry = await catalog.GetEntryAsync(name);

        // Directives and AGENTS.md are read from disk: off the grain's turn.
        return await Task.Run(() => AgentViews.Prompt(name, entry, prompts, workspace, clock.GetUtcNow()));
    }

    public async Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(SessionStatus? status = null, string? agent = null)
    {
        var all = await sessions.ListAsync();
        return all
            .Where(s => status is null || s.Status == status)
            .Where(s => agent is null || string.Equals(s.Agent, agent, StringComparison.Ordinal))
            .ToList();
    }

    private NodeStatus Status() => new(
        Version,
        Environment.ProcessId,
        workspace.Hash,
        workspace.Directory,
        silo.SiloAddress.ToParsableString(),
        silo.GatewayAddress?.Endpoint.ToString(),
        lifetime.HttpAddresses.Select(a => a.ToString().TrimEnd('/')).ToList(),
        StartedAt,
        lifetime.IsStopping,
        activity.AttachedClients,
        activity.RunningTurns);

    private static string ReadVersion()
    {
        var informational = typeof(NodeGrain).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP API token rotated, requested by {RequestedBy} (Orleans client).")]
    private static partial void LogTokenRotated(ILogger logger, string requestedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutdown requested by {RequestedBy} (Orleans client).")]
    private static partial void LogShutdownRequested(ILogger logger, string requestedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agents reloaded: {Valid} loaded, {Invalid} with errors.")]
    private static partial void LogAgentsReloaded(ILogger logger, int valid, int invalid);
}
