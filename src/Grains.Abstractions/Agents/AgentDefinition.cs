namespace Duragent.Agents;

/// <summary>
/// A parsed agent (<c>agent.yaml</c> plus its prompt files), immutable. Paths are full paths; prompt texts are
/// the raw file contents, with <c>{{date}}</c>-style variables filled in only when the system prompt is rendered.
/// </summary>
public sealed record AgentDefinition
{
    /// <summary>The only supported <c>apiVersion</c>: <c>duragent/v1alpha1</c>.</summary>
    public const string SupportedApiVersion = "duragent/v1alpha1";

    /// <summary>The required <c>kind</c>: <c>Agent</c>.</summary>
    public const string AgentKind = "Agent";

    /// <summary>The file name of an agent definition: <c>agent.yaml</c>.</summary>
    public const string FileName = "agent.yaml";

    /// <summary><c>metadata</c>.</summary>
    public required AgentMetadata Metadata { get; init; }

    /// <summary>The agent's name (<c>metadata.name</c>, equal to its directory name); also its grain key.</summary>
    public string Name => Metadata.Name;

    /// <summary>The agent's home directory (<c>{{agent.home}}</c>); relative paths in the file resolve against it.</summary>
    public required string HomeDirectory { get; init; }

    /// <summary>The full path of the <c>agent.yaml</c> it was read from.</summary>
    public required string SourceFile { get; init; }

    /// <summary><c>spec.model</c>.</summary>
    public required ModelSpec Model { get; init; }

    /// <summary><c>spec.soul</c>, <c>spec.system_prompt</c>, <c>spec.instructions</c>, loaded.</summary>
    public AgentPrompts Prompts { get; init; } = AgentPrompts.None;

    /// <summary><c>spec.skills_dir</c> as a full path; <c>{home}/skills</c> by default.</summary>
    public required string SkillsDirectory { get; init; }

    /// <summary><c>spec.session</c>.</summary>
    public AgentSessionSpec Session { get; init; } = new();

    /// <summary><c>spec.tools</c>, in file order. Empty means the agent has no tools.</summary>
    public IReadOnlyList<ToolSpec> Tools { get; init; } = [];

    /// <summary><c>spec.memory</c>; null when the block is absent (memory off).</summary>
    public MemorySpec? Memory { get; init; }

    /// <summary>True when <c>spec.memory</c> is present: the memory tool and directive are on.</summary>
    public bool MemoryEnabled => Memory is not null;

    /// <summary>
    /// <c>spec.hooks</c> as written, not interpreted yet: nested read-only dictionaries (string keys), lists and
    /// strings (every scalar as written; null for YAML null). Null when absent.
    /// </summary>
    public object? Hooks { get; init; }

    /// <summary><c>spec.access</c> as written (same shape as <see cref="Hooks"/>); null when absent (open access).</summary>
    public object? Access { get; init; }
}
