namespace Duragent.Agents;

/// <summary>
/// One entry of <c>spec.tools</c>. <see cref="Idempotent"/> matters for crash recovery: a tool call found
/// started but not finished is run again only when its tool is idempotent; otherwise it is recorded as
/// interrupted and the model is told the outcome is unknown.
/// </summary>
[GenerateSerializer]
[Alias("duragent.tool-spec")]
public abstract record ToolSpec
{
    /// <summary>The tool's name as the model sees it.</summary>
    [Id(0)]
    public required string Name { get; init; }

    /// <summary>True when running the tool twice has the same effect as once; false by default.</summary>
    [Id(1)]
    public bool Idempotent { get; init; }
}

/// <summary><c>{type: builtin, name}</c>: a tool that ships with Duragent (see <see cref="BuiltinToolNames"/>).</summary>
[GenerateSerializer]
[Alias("duragent.builtin-tool-spec")]
public sealed record BuiltinToolSpec : ToolSpec;

/// <summary><c>{type: cli, name, command, ...}</c>: a shell command run in the agent directory.</summary>
[GenerateSerializer]
[Alias("duragent.cli-tool-spec")]
public sealed record CliToolSpec : ToolSpec
{
    /// <summary>The command line; run with <c>bash -c "&lt;command&gt; &lt;args&gt;"</c> in the agent directory.</summary>
    [Id(0)]
    public required string Command { get; init; }

    /// <summary>What the tool does, shown to the model; null gives "CLI tool: &lt;name&gt;".</summary>
    [Id(1)]
    public string? Description { get; init; }

    /// <summary>The full path of a README appended to the description; null when none.</summary>
    [Id(2)]
    public string? ReadmePath { get; init; }

    /// <summary>Kill the command after this many seconds; null uses the sandbox default.</summary>
    [Id(3)]
    public int? TimeoutSeconds { get; init; }
}
