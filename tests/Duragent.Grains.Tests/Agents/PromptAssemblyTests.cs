using Duragent.Agents;
using Duragent.Configuration;
using Duragent.Grains.Tests.Configuration;

namespace Duragent.Grains.Tests.Agents;

/// <summary>The whole system prompt from files on disk: order of the parts, directives (order, override, reload), AGENTS.md.</summary>
public sealed class PromptAssemblyTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 18, 30, 0, TimeSpan.Zero);

    private readonly TestDirectory _dir = new();
    private readonly AgentPromptSources _sources;

    public PromptAssemblyTests()
    {
        _dir.Write("duragent.yaml", "agents_dir: ./agents\n");
        _sources = new AgentPromptSources(new DuragentWorkspace(DuragentConfigLoader.Load(_dir.Combine("duragent.yaml")).Config));
    }

    public void Dispose() => _dir.Dispose();

    private string WorkspaceDirective(string name, string text) => _dir.Write(Path.Combine(".duragent", "directives", name), text);

    private string AgentDirective(string name, string text) => _dir.Write(Path.Combine("agents", "alpha", "directives", name), text);

    private async Task<AgentDefinition> LoadAsync(string extraSpec = "")
    {
        var home = _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha") + extraSpec);
        var result = await AgentLoader.LoadAsync(home);
        return result.Definition ?? throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
    }

    [Fact]
    public async Task Parts_ComeInTheDocumentedOrder_AndTheTextIsTheirJoin()
    {
        _dir.Write("agents/alpha/SOUL.md", "Soul of {{agent.name}}.");
        _dir.Write("agents/alpha/SYSTEM_PROMPT.md", "System on {{date}}.");
        _dir.Write("agents/alpha/INSTRUCTIONS.md", "Instructions.");
        _dir.Write("agents/alpha/AGENTS.md", "Project notes {{date}} stay as written.");
        _dir.Write("agents/alpha/skills/report/SKILL.md", "---\nname: report\ndescription: Writes <weekly> reports & more\n---\nSteps.");
        WorkspaceDirective("style.md", "Be brief on {{date}}.");
        var agent = await LoadAsync("  soul: SOUL.md\n  system_prompt: SYSTEM_PROMPT.md\n  instructions: INSTRUCTIONS.md\n  memory: {}\n");

        var prompt = _sources.Assemble(agent, Now, [new SystemPromptBlock(SystemPromptBlock.SessionPriority, "Session block.")]);

        Assert.Equal(["prime", "soul", "system_prompt", "instructions", "AGENTS.md", "directives", "skills", "session"], prompt.Parts.Select(p => p.Title));
        Assert.Equal(string.Join("\n\n", prompt.Parts.Select(p => p.Text)), prompt.Text);
        Assert.Equal("Soul of alpha.", prompt.Parts[1].Text);
        Assert.Equal("System on 2026-12-03.", prompt.Parts[2].Text);
        Assert.Equal("Project notes {{date}} stay as written.", prompt.Parts[4].Text);
        Assert.Equal([_dir.Combine("agents", "alpha", "AGENTS.md")], prompt.Parts[4].Sources);
        Assert.Equal($"## Directives\n- {Directives.MemoryDirectiveText}\n- Be brief on 2026-12-03.", prompt.Parts[5].Text);
        Assert.Equal([Directives.BuiltIn, _dir.Combine(".duragent", "directives", "style.md")], prompt.Parts[5].Sources);
        Assert.Contains("<name>report</name>\n<description>Writes &lt;weekly&gt; reports &amp; more</description>", prompt.Parts[6].Text, StringComparison.Ordinal);
        Assert.Contains($"<location>{_dir.Combine("agents", "alpha", "skills", "report", "SKILL.md")}</location>", prompt.Parts[6].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Directives_AreOrderedByFileName_AgentFilesOverride_AndEmptyFilesRemove()
    {
        WorkspaceDirective("20-b.md", "workspace b");
        WorkspaceDirective("10-a.md", "workspace a");
        WorkspaceDirective("30-c.md", "workspace c");
        WorkspaceDirective("notes.txt", "not a directive");
        AgentDirective("20-b.md", "agent b");
        AgentDirective("30-c.md", "  \n");
        AgentDirective("15-x.md", "agent x\nsecond line");
        var agent = await LoadAsync();

        var directives = _sources.Read(agent).Directives;

        Assert.Equal(["10-a.md", "15-x.md", "20-b.md"], directives.Select(d => d.Name));
        Assert.Equal(
            "## Directives\n- workspace a\n- agent x\n  second line\n- agent b",
            _sources.Assemble(agent, Now).Parts.Single(p => p.Title == "directives").Text);
    }

    [Fact]
    public async Task MemoryDirective_IsBuiltIn_UnlessAFileOverridesOrRemovesIt()
    {
        Assert.Empty(_sources.Read(await LoadAsync()).Directives);

        var withMemory = await LoadAsync("  memory: {backend: filesystem}\n");
        Assert.Equal(Directives.BuiltIn, Assert.Single(_sources.Read(withMemory).Directives).Source);

        WorkspaceDirective("memory.md", "Our own memory rules.");
        Assert.Equal("Our own memory rules.", Assert.Single(_sources.Read(withMemory).Directives).Text);

        AgentDirective("memory.md", string.Empty);
        Assert.Empty(_sources.Read(withMemory).Directives);
        Assert.DoesNotContain(_sources.Assemble(withMemory, Now).Parts, p => p.Title == "directives");
    }

    [Fact]
    public async Task Directives_AreReReadWhenAFileChangesAppearsOrGoes()
    {
        var file = WorkspaceDirective("a.md", "first");
        var agent = await LoadAsync();
        Assert.Equal("first", Assert.Single(_sources.Read(agent).Directives).Text);

        File.WriteAllText(file, "second, longer");
        Assert.Equal("second, longer", Assert.Single(_sources.Read(agent).Directives).Text);

        // Same size, new time: still noticed.
        File.WriteAllText(file, "third, longer!");
        AgentFiles.Touch(file);
        Assert.Equal("third, longer!", Assert.Single(_sources.Read(agent).Directives).Text);

        AgentDirective("b.md", "new");
        Assert.Equal(2, _sources.Read(agent).Directives.Count);

        File.Delete(file);
        Assert.Equal("new", Assert.Single(_sources.Read(agent).Directives).Text);
    }

    [Fact]
    public async Task AgentsFile_IsLeftOutWhenAbsent_AndAHugeOneIsCut()
    {
        var agent = await LoadAsync();
        Assert.Null(_sources.Read(agent).AgentsFile);

        _dir.Write("agents/alpha/AGENTS.md", new string('x', PromptFileCache.MaxFileLength + 100));
        var text = _sources.Read(agent).AgentsFile!.Text;
        Assert.StartsWith(new string('x', PromptFileCache.MaxFileLength), text, StringComparison.Ordinal);
        Assert.Contains("[… cut:", text, StringComparison.Ordinal);
    }
}
