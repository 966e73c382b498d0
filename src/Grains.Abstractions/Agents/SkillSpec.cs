namespace Duragent.Agents;

/// <summary>
/// A valid skill of an agent: <c>&lt;skills_dir&gt;/&lt;name&gt;/SKILL.md</c> with its YAML front matter read. The body
/// (the instructions after the front matter) is not kept: the <c>skill</c> tool reads it from the file when the model
/// loads the skill.
/// </summary>
[GenerateSerializer]
[Alias("duragent.skill-spec")]
public sealed record SkillSpec
{
    /// <summary><c>name</c>: lowercase letters, digits and <c>-</c>, equal to the skill's directory name.</summary>
    [Id(0)]
    public required string Name { get; init; }

    /// <summary><c>description</c>: what the skill is for and when to use it (shown to the model).</summary>
    [Id(1)]
    public required string Description { get; init; }

    /// <summary>
    /// <c>allowed-tools</c>: the only tools the model may call while the skill is active; null when the skill does not
    /// restrict tools. The <c>skill</c> tool itself is always allowed (to unload or switch skills).
    /// </summary>
    [Id(2)]
    public IReadOnlyList<string>? AllowedTools { get; init; }

    /// <summary>The full path of the <c>SKILL.md</c> file.</summary>
    [Id(3)]
    public required string Path { get; init; }

    /// <summary><c>metadata</c>: free-form text values.</summary>
    [Id(4)]
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
