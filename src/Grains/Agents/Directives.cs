namespace Duragent.Agents;

/// <summary>A standing instruction: a directive file's text, or the built-in memory directive.</summary>
/// <param name="Name">The file name (<c>10-style.md</c>); the built-in one is <c>memory.md</c>.</param>
/// <param name="Source">The file's full path, or <see cref="Directives.BuiltIn"/>.</param>
/// <param name="Text">The text (trimmed).</param>
public sealed record Directive(string Name, string Source, string Text);

/// <summary>
/// Collects the directives of an agent: <c>*.md</c> files of the workspace's <c>directives/</c> and of the agent's
/// <c>directives/</c>, read through a <see cref="PromptFileCache"/> (so an edit takes effect at the next LLM call), and
/// the built-in memory directive when the agent has <c>spec.memory</c>. A file overrides what came before it under the
/// same file name: an agent file a workspace file, and either one the built-in <c>memory.md</c>; an empty file removes
/// the directive of its name (an empty <c>memory.md</c> turns the built-in off). The result is ordered by file name.
/// </summary>
public static class Directives
{
    /// <summary>The source named for the built-in memory directive: <c>(built-in)</c>.</summary>
    public const string BuiltIn = "(built-in)";

    /// <summary>The directory of directive files, in the workspace and in each agent: <c>directives</c>.</summary>
    public const string DirectoryName = "directives";

    /// <summary>The file name that overrides the built-in memory directive: <c>memory.md</c>.</summary>
    public const string MemoryDirectiveName = "memory.md";

    /// <summary>The built-in memory directive, used when the agent has <c>spec.memory</c> and no <c>memory.md</c> overrides it.</summary>
    public const string MemoryDirectiveText =
        "You have long-term memory through the `memory` tool; use it. At the start of work where earlier context may " +
        "matter, `recall`. When you learn something worth keeping (a decision, a preference, a fact about the people or " +
        "the work), `remember` it in a sentence or two. From time to time `reflect`: rewrite your curated memory with " +
        "what has lasting value. Use `update_world` only for facts every agent of the workspace should know, and " +
        "`search` to find something specific. Never store secrets (passwords, keys, tokens).";

    /// <summary>The directives of <paramref name="agent"/>, ordered by file name.</summary>
    public static IReadOnlyList<Directive> Collect(AgentDefinition agent, string? workspaceDirectivesDirectory, PromptFileCache files)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(files);
        var byName = new SortedDictionary<string, Directive?>(StringComparer.Ordinal);
        if (agent.MemoryEnabled)
        {
            byName[MemoryDirectiveName] = new Directive(MemoryDirectiveName, BuiltIn, MemoryDirectiveText);
        }

        if (workspaceDirectivesDirectory is not null)
        {
            Add(byName, files.ReadDirectory(workspaceDirectivesDirectory));
        }

        Add(byName, files.ReadDirectory(Path.Combine(agent.HomeDirectory, DirectoryName)));
        return byName.Values.OfType<Directive>().ToList();
    }

    private static void Add(SortedDictionary<string, Directive?> byName, IReadOnlyList<PromptFile> found)
    {
        foreach (var file in found)
        {
            var name = Path.GetFileName(file.Path);
            var text = file.Text.Trim();
            byName[name] = text.Length == 0 ? null : new Directive(name, file.Path, text);
        }
    }
}
