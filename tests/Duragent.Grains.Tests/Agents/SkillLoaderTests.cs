using Duragent.Agents;
using Duragent.Grains.Tests.Configuration;

namespace Duragent.Grains.Tests.Agents;

/// <summary>Skills: SKILL.md front matter, located warnings, and the agent reloading when skills change.</summary>
public sealed class SkillLoaderTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Skill(string directory, string text) => _dir.Write(Path.Combine("agents", "alpha", "skills", directory, "SKILL.md"), text);

    private Task<AgentLoadResult> LoadAsync(string extraSpec = "  tools: [{type: builtin, name: bash}]\n") =>
        AgentLoader.LoadAsync(_dir.WriteAgent("alpha", AgentFiles.Minimal("alpha") + extraSpec));

    [Fact]
    public async Task AValidSkill_IsLoadedWithItsAllowedToolsAndMetadata()
    {
        var file = Skill("release-notes", """
            # Release notes

            ---
            name: release-notes
            description: Writes release notes from the git log.
            allowed-tools: bash, memory
            license: MIT
            metadata:
              owner: docs-team
            ---
            1. Run git log.
            """);

        var result = await LoadAsync("  tools: [{type: builtin, name: bash}]\n  memory: {}\n");

        Assert.Empty(result.Diagnostics);
        var skill = Assert.Single(result.Definition!.Skills);
        Assert.Equal("release-notes", skill.Name);
        Assert.Equal("Writes release notes from the git log.", skill.Description);
        Assert.Equal(["bash", "memory"], skill.AllowedTools);
        Assert.Equal("docs-team", skill.Metadata["owner"]);
        Assert.Equal(file, skill.Path);
        Assert.Equal("1. Run git log.", SkillLoader.Body(File.ReadAllText(file)));
    }

    [Fact]
    public async Task InvalidSkills_AreSkippedWithWarningsAtTheirFileAndLine()
    {
        var noFrontMatter = Skill("plain", "Just text.\n");
        var wrongName = Skill("mismatch", "---\ndescription: d\nname: other\n---\n");
        var noDescription = Skill("nodesc", "---\nname: nodesc\n---\n");
        var badName = Skill("Bad_Name", "---\nname: Bad_Name\ndescription: d\n---\n");
        var badYaml = Skill("broken", "---\nname: broken\ndescription: [unclosed\n---\n");
        _dir.Write("agents/alpha/skills/empty-dir/README.md", "no skill here");
        var good = Skill("good", "---\nname: good\ndescription: fine\nallowed-tools: bash Bash(git:*) web\nextra: 1\n---\n");

        var result = await LoadAsync();

        Assert.True(result.IsValid);
        Assert.Equal(["good"], result.Definition!.Skills.Select(s => s.Name));
        Assert.All(result.Diagnostics, d => Assert.False(d.IsError));
        Assert.Equal(["bash", "web"], result.Definition.Skills[0].AllowedTools);
        AssertWarning(result, noFrontMatter, 1, "no YAML front matter");
        AssertWarning(result, wrongName, 3, "differs from the skill's directory name 'mismatch'");
        AssertWarning(result, noDescription, 0, "description");
        AssertWarning(result, badName, 2, "not a valid skill name");
        AssertWarning(result, badYaml, 0, "invalid YAML");
        AssertWarning(result, _dir.Combine("agents", "alpha", "skills", "empty-dir", "SKILL.md"), 0, "has no SKILL.md");
        AssertWarning(result, good, 4, "'Bash(git:*)' is not a tool name");
        AssertWarning(result, good, 4, "the agent has no tool 'web'");
        AssertWarning(result, good, 5, "extra");
    }

    [Fact]
    public async Task AddingOrEditingASkill_ReloadsTheAgent()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        var catalog = new FileAgentCatalog(_dir.Combine("agents"));
        Assert.Empty((await catalog.GetAsync("alpha"))!.Skills);

        var file = Skill("first", "---\nname: first\ndescription: one\n---\n");
        Assert.Equal(["first"], (await catalog.GetAsync("alpha"))!.Skills.Select(s => s.Name));

        File.WriteAllText(file, "---\nname: first\ndescription: changed text\n---\n");
        AgentFiles.Touch(file);
        Assert.Equal("changed text", (await catalog.GetAsync("alpha"))!.Skills[0].Description);

        Skill("second", "---\nname: second\ndescription: two\n---\n");
        Assert.Equal(["first", "second"], (await catalog.GetAsync("alpha"))!.Skills.Select(s => s.Name));
    }

    private static void AssertWarning(AgentLoadResult result, string file, int line, string text)
    {
        var found = result.Diagnostics.Any(d => d.File == file && (line == 0 || d.Line == line) && d.Message.Contains(text, StringComparison.Ordinal));
        Assert.True(found, $"Expected a warning at {file}:{line} containing '{text}'; got:\n{string.Join("\n", result.Diagnostics)}");
    }
}
