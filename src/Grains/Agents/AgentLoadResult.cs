using Duragent.Configuration;

namespace Duragent.Agents;

/// <summary>
/// The outcome of loading one agent directory: the definition when it is valid, and every located error and
/// warning. A result with errors has no definition.
/// </summary>
public sealed record AgentLoadResult
{
    /// <summary>The agent's name: its directory name (which a valid agent's <c>metadata.name</c> equals).</summary>
    public required string Name { get; init; }

    /// <summary>The agent directory (full path).</summary>
    public required string HomeDirectory { get; init; }

    /// <summary>The <c>agent.yaml</c> path (full path).</summary>
    public required string SourceFile { get; init; }

    /// <summary>The definition; null when the agent has errors.</summary>
    public AgentDefinition? Definition { get; init; }

    /// <summary>Errors and warnings, in file order.</summary>
    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; init; } = [];

    /// <summary>The description, when the agent loaded.</summary>
    public string? Description => Definition?.Metadata.Description;

    /// <summary>True when the agent loaded without errors.</summary>
    public bool IsValid => Definition is not null;

    public IEnumerable<ConfigDiagnostic> Errors => Diagnostics.Where(d => d.IsError);

    public IEnumerable<ConfigDiagnostic> Warnings => Diagnostics.Where(d => !d.IsError);

    /// <summary>What the definition was built from, for cheap change detection.</summary>
    internal AgentFileStamps? Stamps { get; init; }
}
