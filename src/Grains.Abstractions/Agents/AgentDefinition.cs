namespace Duragent.Agents;

/// <summary>
/// A parsed agent (<c>agent.yaml</c> plus its prompt files), immutable. Paths are full paths; prompt texts are
/// the raw file contents, with <c>{{date}}</c>-style variables filled in only when the system prompt is rendered.
/// <see cref="ImmutableAttribute"/>: sessions ask for it at every turn, and a call within one silo then passes the
/// instance itself instead of a deep copy (nothing mutates it; across silos it is serialized as usual).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("duragent.agent-definition")]
public sealed record AgentDefinition
{
    /// <summary>The only supported <c>apiVersion</c>: <c>duragent/v1alpha1</c>.</summary>
    public const string SupportedApiVersion = "duragent/v1alpha1";

    /// <summary>The required <c>kind</c>: <c>Agent</c>.</summary>
    public const string AgentKind = "Agent";

    /// <summary>The file name of an agent definition: <c>agent.yaml</c>.</summary>
    public const string FileName = "agent.yaml";

    /// <summary><c>metadata</c>.</summary>
    [Id(0)]
    public required AgentMetadata Metadata { get; init; }

    /// <summary>The agent's name (<c>metadata.name</c>, equal to its directory name); also its grain key.</summary>
    public string Name => Metadata.Name;

    /// <summary>The agent's home directory (<c>{{agent.home}}</c>); relative paths in the file resolve against it.</summary>
    [Id(1)]
    public required string HomeDirectory { get; init; }

    /// <summary>The full path of the <c>agent.yaml</c> it was read from.</summary>
    [Id(2)]
    public required string SourceFile { get; init; }

    /// <summary><c>spec.model</c>.</summary>
    [Id(3)]
    public required ModelSpec Model { get; init; }

    /// <summary><c>spec.soul</c>, <c>spec.system_prompt</c>, <c>spec.instructions</c>, loaded.</summary>
    [Id(4)]
    public AgentPrompts Prompts { get; init; } = AgentPrompts.None;

    /// <summary><c>spec.skills_dir</c> as a full path; <c>{home}/skills</c> by default.</summary>
    [Id(5)]
    public required string SkillsDirectory { get; init; }

    /// <summary><c>spec.session</c>.</summary>
    [Id(6)]
    public AgentSessionSpec Session { get; init; } = new();

    /// <summary><c>spec.tools</c>, in file order. Empty means the agent has no tools.</summary>
    [Id(7)]
    public IReadOnlyList<ToolSpec> Tools { get; init; } = [];

    /// <summary><c>spec.memory</c>; null when the block is absent (memory off).</summary>
    [Id(8)]
    public MemorySpec? Memory { get; init; }

    /// <summary>True when <c>spec.memory</c> is present: the memory tool and directive are on.</summary>
    public bool MemoryEnabled => Memory is not null;

    /// <summary>
    /// <c>spec.hooks</c> as written, not interpreted yet: nested read-only dictionaries (string keys), lists and
    /// strings (every scalar as written; null for YAML null). Null when absent.
    /// </summary>
    /// <remarks>
    /// Crosses grain boundaries as <c>object</c>: Orleans serializes whatever runtime types it holds, so they must be
    /// types it has codecs for (<c>ReadOnlyDictionary&lt;string, object?&gt;</c>, <c>object?[]</c>, <c>string</c>), never
    /// YamlDotNet nodes or compiler-synthesized collection types.
    /// </remarks>
    [Id(9)]
    public object? Hooks { get; init; }

    /// <summary><c>spec.access</c> as written (same shape as <see cref="Hooks"/>); null when absent (open access).</summary>
    [Id(10)]
    public object? Access { get; init; }

    /// <summary>The valid skills of <see cref="SkillsDirectory"/>, sorted by name (invalid ones are load warnings).</summary>
    [Id(11)]
    public IReadOnlyList<SkillSpec> Skills { get; init; } = [];
}
