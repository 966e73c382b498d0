namespace Duragent.Agents;

/// <summary>The <c>metadata</c> block of an agent.</summary>
[GenerateSerializer]
[Alias("duragent.agent-metadata")]
public sealed record AgentMetadata
{
    /// <summary>The agent's name: a valid grain key, equal to the agent's directory name.</summary>
    [Id(0)]
    public required string Name { get; init; }

    /// <summary>A one-line description, shown by <c>duragent agent list</c>.</summary>
    [Id(1)]
    public string? Description { get; init; }

    /// <summary>A free-form version string.</summary>
    [Id(2)]
    public string? Version { get; init; }

    /// <summary>Free-form labels; empty by default.</summary>
    [Id(3)]
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyLabels;

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>().AsReadOnly();
}
