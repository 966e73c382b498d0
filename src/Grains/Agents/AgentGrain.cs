using Duragent.Policy;
using Microsoft.Extensions.Logging;

namespace Duragent.Agents;

/// <summary>
/// The grain of one agent (key = agent name). It holds the definition, prompt texts included, and asks the
/// workspace's <see cref="IAgentCatalog"/> for it again on every <see cref="GetAsync"/>; the catalog answers from
/// its cache unless the agent's files changed (a few <c>stat</c> calls), so edits to <c>agent.yaml</c> or a
/// prompt file take effect at the next turn of every session without a restart.
/// </summary>
[GrainType(GrainTypeName)]
public sealed partial class AgentGrain(IAgentCatalog catalog, ILogger<AgentGrain> logger) : Grain, IAgentGrain
{
    /// <summary>The grain type name: a durable identifier.</summary>
    public const string GrainTypeName = "agent";

    private AgentDefinition? _definition;

    private string AgentName => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _definition = await LoadAsync(cancellationToken);

    public async Task<AgentDefinition?> GetAsync() =>
        _definition = await LoadAsync(CancellationToken.None);

    public async Task AllowAlwaysAsync(string pattern)
    {
        var definition = _definition ?? await LoadAsync(CancellationToken.None)
            ?? throw new InvalidOperationException($"Agent '{AgentName}' does not exist or does not load.");

        // File I/O on the thread pool, not on the grain's turn.
        var path = Path.Combine(definition.HomeDirectory, PolicyFiles.LocalPolicyFileName);
        await Task.Run(() => PolicyFiles.AddAllowPattern(path, pattern));
    }

    private async Task<AgentDefinition?> LoadAsync(CancellationToken cancellationToken)
    {
        var entry = await catalog.GetEntryAsync(AgentName, cancellationToken);
        var definition = entry?.Definition;
        if (!ReferenceEquals(definition, _definition))
        {
            if (entry is null)
            {
                LogInformationAgentMissing(logger, AgentName);
            }
            else if (definition is null)
            {
                LogWarningAgentInvalid(logger, AgentName, entry.Errors.Count());
            }
            else if (_definition is not null)
            {
                LogInformationAgentReloaded(logger, AgentName);
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
