using Orleans.Concurrency;

namespace Duragent.Agents;

/// <summary>
/// One agent, keyed by its name. Holds the parsed definition (prompt texts included) and reloads it when its
/// files change or on request. Sessions ask it for the definition at the start of every turn.
/// </summary>
[Alias("duragent.agent")]
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>
    /// The current definition, reloaded first when the agent's files changed on disk (a cheap size and
    /// modification-time check); null when no valid agent of this name exists.
    /// </summary>
    [AlwaysInterleave]
    Task<AgentDefinition?> GetAsync();

    /// <summary>
    /// Adds <paramref name="pattern"/> to the allow list of the agent's <c>policy.local.yaml</c> ("allow always").
    /// The agent grain is the file's only writer, so decisions from sessions running at the same time never overwrite
    /// each other. Throws <see cref="FormatException"/> for a pattern that is not a valid allow pattern.
    /// </summary>
    Task AllowAlwaysAsync(string pattern);
}
