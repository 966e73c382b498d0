namespace Duragent.Agents;

/// <summary>The <c>metadata</c> block of an agent.</summary>
public sealed record AgentMetadata
{
    /// <summary>The agent's name: a valid grain key, equal to the agent's directory name.</summary>
    public required string Name { get; init; }

    /// <summary>A one-line description, shown by <c>duragent agent list</c>.</summary>
    public string? Description { get; init; }

    /// <summary>A free-form version string.</summary>
    public string? Version { get; init; }

    /// <summary>Free-form labels; empty by default.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyLabels;

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>().AsReadOnly();
}
