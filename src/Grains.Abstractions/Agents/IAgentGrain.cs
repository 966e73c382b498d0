using Duragent.Runtime;

namespace Duragent.Agents;

/// <summary>
/// One agent, keyed by its name. Holds the parsed definition (prompt texts included) and reloads it when its
/// files change or on request. Sessions ask it for the definition at the start of every turn.
/// </summary>
[GrainType("agent")]
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>
    /// The current definition, reloaded first when the agent's files changed on disk (a cheap size and
    /// modification-time check); null when no valid agent of this name exists.
    /// </summary>
    [AlwaysInterleave]
    Task<AgentDefinition?> GetAsync();

    /// <summary>Reads the agent's files again, whether they changed or not; null when no valid agent of this name exists.</summary>
    Task<AgentDefinition?> ReloadAsync();
}
