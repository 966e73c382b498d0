namespace Duragent.Agents;

/// <summary>
/// The agents of a workspace: every <c>&lt;agents_dir&gt;/*/agent.yaml</c>, keyed by name (the directory name,
/// which a valid agent's <c>metadata.name</c> must equal). Entries are loaded lazily and reloaded when their
/// files change (checked cheaply on every access); a broken agent is listed with its errors and does not stop
/// the others.
/// </summary>
public interface IAgentCatalog
{
    /// <summary>The agents directory scanned.</summary>
    string AgentsDirectory { get; }

    /// <summary>
    /// Every agent directory holding an <c>agent.yaml</c>, sorted by name, valid or not, with descriptions and
    /// per-agent errors and warnings. Directories without <c>agent.yaml</c> are skipped silently.
    /// </summary>
    Task<IReadOnlyList<AgentLoadResult>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The agent's definition; null when there is no such agent or it has errors.</summary>
    Task<AgentDefinition?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The agent's load result (definition or errors); null when there is no such agent.</summary>
    Task<AgentLoadResult?> GetEntryAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Reads one agent again even if its files look unchanged; null when there is no such agent.</summary>
    Task<AgentLoadResult?> ReloadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Forgets everything and reads every agent again (<c>duragent serve reload</c>).</summary>
    Task<IReadOnlyList<AgentLoadResult>> ReloadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Loads the agent at <paramref name="path"/> (a directory or its <c>agent.yaml</c>) without touching the
    /// catalog, for <c>duragent agent validate</c>: every error and warning with its location.
    /// </summary>
    Task<AgentLoadResult> ValidateAsync(string path, CancellationToken cancellationToken = default);
}
