using Duragent.Policy;
using Duragent.Runtime;
using Microsoft.Extensions.Logging;

namespace Duragent.Agents;

/// <summary>
/// The grain of one agent (key = agent name). It holds the definition, prompt texts included, and asks the
/// workspace's <see cref="IAgentCatalog"/> for it again on every <see cref="GetAsync"/>; the catalog answers from
/// its cache unless the agent's files changed (a few <c>stat</c> calls), so edits to <c>agent.yaml</c> or a
/// prompt file take effect at the next turn of every session without a restart.
/// </summary>
public sealed partial class AgentGrain(IAgentCatalog catalog, ILogger<AgentGrain> logger) : Grain, IAgentGrain
{
    private AgentDefinition? _definition;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _definition = await LoadAsync(force: false, cancellationToken);

    public async Task<AgentDefinition?> GetAsync() =>
        _definition = await LoadAsync(force: false, GrainContext.Deactivating);

    public async Task<AgentDefinition?> ReloadAsync() =>
        _definition = await LoadAsync(force: true, GrainContext.Deactivating);

    public async Task AllowAlwaysAsync(string pattern)
    {
        var definition = _definition ?? await LoadAsync(force: false, GrainContext.Deactivating)
            ?? throw new InvalidOperationException($"Agent '{GrainKey}' does not exist or does not load.");

        // File I/O on the thread pool, not on the grain's turn.
        var path = Path.Combine(definition.HomeDirectory, PolicyFiles.LocalPolicyFileName);
        await Task.Run(() => PolicyFiles.AddAllowPattern(path, pattern));
    }

    private async Task<AgentDefinition?> LoadAsync(bool force, CancellationToken cancellationToken)
    {
        var entry = force
            ? await catalog.ReloadAsync(GrainKey, cancellationToken)
            : await catalog.GetEntryAsync(GrainKey, cancellationToken);
        var definition = entry?.Definition;
        if (!ReferenceEquals(definition, _definition))
        {
            if (entry is null)
            {
                LogInformationAgentMissing(logger, GrainKey);
            }
            else if (definition is null)
            {
                LogWarningAgentInvalid(logger, GrainKey, entry.Errors.Count());
            }
            else if (_definition is not null)
            {
                LogInformationAgentReloaded(logger, GrainKey);
            }
        }

        return definition;
    }

    [LoggerMessage(EventId = (int)AgentLogEvent.AgentReloaded, Level = LogLevel.Information, Message = "Agent {Agent} reloaded")]
    private static partial void LogInformationAgentReloaded(ILogger logger, string agent);

    [LoggerMessage(EventId = (int)AgentLogEvent.AgentMissing, Level = LogLevel.Information, Message = "Agent {Agent} does not exist")]
    private static partial void LogInformationAgentMissing(ILogger logger, string agent);

    [LoggerMessage(EventId = (int)AgentLogEvent.AgentInvalid, Level = LogLevel.Warning, Message = "Agent {Agent} has {ErrorCount} error(s) and cannot be used; see the agent list for details")]
    private static partial void LogWarningAgentInvalid(ILogger logger, string agent, int errorCount);
}
