using Duragent.Agents;
using Duragent.Grains.Tests.Configuration;

namespace Duragent.Grains.Tests.Agents;

public class FileAgentCatalogTests : IDisposable
{
    private readonly TestDirectory _dir = new();
    private readonly FileAgentCatalog _catalog;

    public FileAgentCatalogTests()
    {
        _catalog = new FileAgentCatalog(_dir.Combine("agents"));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task List_ReportsABrokenAgentWithoutStoppingTheOthers()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha").Replace("name: alpha", "name: alpha\n  description: First"));
        _dir.WriteAgent("broken", AgentFiles.Minimal("broken").Replace("provider: ollama", "provider: skynet"));
        _dir.WriteAgent("zulu", AgentFiles.Minimal("zulu"));

        var agents = await _catalog.ListAsync();

        Assert.Equal(["alpha", "broken", "zulu"], agents.Select(a => a.Name));
        Assert.True(agents[0].IsValid);
        Assert.Equal("First", agents[0].Description);
        Assert.False(agents[1].IsValid);
        Assert.Contains("unknown provider 'skynet'", Assert.Single(agents[1].Errors).Message);
        Assert.True(agents[2].IsValid);
        Assert.Null(await _catalog.GetAsync("broken"));
        Assert.NotNull(await _catalog.GetEntryAsync("broken"));
    }

    [Fact]
    public async Task List_SkipsDirectoriesWithoutAgentYamlSilently()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        Directory.CreateDirectory(_dir.Combine("agents", "notes"));
        _dir.Write("agents/notes/README.md", "not an agent");
        _dir.Write("agents/stray.yaml", "x: 1");

        var agents = await _catalog.ListAsync();

        Assert.Equal(["alpha"], agents.Select(a => a.Name));
    }

    [Fact]
    public async Task List_WithoutAgentsDirectory_IsEmpty()
    {
        Assert.Empty(await _catalog.ListAsync());
    }

    [Fact]
    public async Task List_ReportsNameDirectoryMismatchWithLocation()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("beta"));

        var entry = Assert.Single(await _catalog.ListAsync());

        Assert.Equal(
            $"{_dir.Combine("agents", "alpha", "agent.yaml")}:4:9: error: metadata.name: 'beta' differs from the agent's directory name 'alpha'; expected name: alpha (or rename the directory to 'beta')",
            Assert.Single(entry.Errors).ToString());
    }

    [Fact]
    public async Task List_DropsAgentsWhoseDirectoryWentAway()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        _dir.WriteAgent("beta", AgentFiles.Minimal("beta"));
        Assert.Equal(2, (await _catalog.ListAsync()).Count);

        Directory.Delete(_dir.Combine("agents", "beta"), recursive: true);

        Assert.Equal(["alpha"], (await _catalog.ListAsync()).Select(a => a.Name));
        Assert.Null(await _catalog.GetAsync("beta"));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("../agents")]
    [InlineData("")]
    [InlineData("a/b")]
    public async Task Get_UnknownOrInvalidName_IsNull(string name)
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));

        Assert.Null(await _catalog.GetAsync(name));
    }

    [Fact]
    public async Task Get_UnchangedFiles_ReturnsTheCachedDefinition()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));

        var first = await _catalog.GetAsync("alpha");
        var second = await _catalog.GetAsync("alpha");

        Assert.NotNull(first);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task Get_ReloadsWhenAgentYamlChanges()
    {
        var home = _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        var before = await _catalog.GetAsync("alpha");

        var file = Path.Combine(home, "agent.yaml");
        File.WriteAllText(file, AgentFiles.Minimal("alpha").Replace("llama3.2", "qwen3"));
        AgentFiles.Touch(file);
        var after = await _catalog.GetAsync("alpha");

        Assert.Equal("llama3.2", before!.Model.Name);
        Assert.Equal("qwen3", after!.Model.Name);
    }

    [Fact]
    public async Task Get_ReloadsWhenAPromptFileChanges()
    {
        var home = _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha") + "  soul: SOUL.md\n");
        var soul = _dir.Write("agents/alpha/SOUL.md", "old soul");
        Assert.Equal("old soul", (await _catalog.GetAsync("alpha"))!.Prompts.Soul!.Text);

        File.WriteAllText(soul, "new soul");
        AgentFiles.Touch(soul);

        Assert.Equal("new soul", (await _catalog.GetAsync("alpha"))!.Prompts.Soul!.Text);
        Assert.True(Directory.Exists(home));
    }

    [Fact]
    public async Task Get_ReloadsWhenAMissingPromptFileAppears()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha") + "  soul: SOUL.md\n");
        var entry = await _catalog.GetEntryAsync("alpha");
        Assert.Null(entry!.Definition!.Prompts.Soul);
        Assert.Single(entry.Warnings);

        _dir.Write("agents/alpha/SOUL.md", "I exist now");
        var reloaded = await _catalog.GetEntryAsync("alpha");

        Assert.Equal("I exist now", reloaded!.Definition!.Prompts.Soul!.Text);
        Assert.Empty(reloaded.Warnings);
    }

    [Fact]
    public async Task Get_AgentBrokenByAnEdit_BecomesNullAndRecovers()
    {
        var home = _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        var file = Path.Combine(home, "agent.yaml");
        Assert.NotNull(await _catalog.GetAsync("alpha"));

        File.WriteAllText(file, "apiVersion: [\n");
        AgentFiles.Touch(file, 10);
        Assert.Null(await _catalog.GetAsync("alpha"));

        File.WriteAllText(file, AgentFiles.Minimal("alpha"));
        AgentFiles.Touch(file, 20);
        Assert.NotNull(await _catalog.GetAsync("alpha"));
    }

    [Fact]
    public async Task Reload_ReadsAgainEvenWhenNothingChanged()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        var first = await _catalog.GetAsync("alpha");

        var reloaded = await _catalog.ReloadAsync("alpha");

        Assert.NotSame(first, reloaded!.Definition);
        Assert.Equal(first!.Model, reloaded.Definition!.Model);
        Assert.Same(reloaded.Definition, await _catalog.GetAsync("alpha"));
    }

    [Fact]
    public async Task ReloadAll_ReadsEveryAgentAgain()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        var first = await _catalog.GetAsync("alpha");
        _dir.WriteAgent("beta", AgentFiles.Minimal("beta"));

        var all = await _catalog.ReloadAllAsync();

        Assert.Equal(["alpha", "beta"], all.Select(a => a.Name));
        Assert.NotSame(first, all[0].Definition);
    }

    [Fact]
    public async Task Validate_ReportsErrorsAndWarningsWithoutTouchingTheCatalog()
    {
        var home = _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha") + "    temperature: warm\n  colour: blue\n");

        var byDirectory = await _catalog.ValidateAsync(home);
        var byFile = await _catalog.ValidateAsync(Path.Combine(home, "agent.yaml"));

        Assert.Equal(byDirectory.Diagnostics, byFile.Diagnostics);
        Assert.Equal(
            [
                $"{Path.Combine(home, "agent.yaml")}:9:18: error: spec.model.temperature: expected a number from 0 to 2, found 'warm'",
                $"{Path.Combine(home, "agent.yaml")}:10:3: warning: unknown key 'colour' in spec is ignored",
            ],
            byDirectory.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public async Task Validate_OutsideTheAgentsDirectory_Works()
    {
        _dir.Write("elsewhere/solo/agent.yaml", AgentFiles.Minimal("solo"));

        var result = await _catalog.ValidateAsync(_dir.Combine("elsewhere", "solo"));

        Assert.True(result.IsValid);
        Assert.Empty(await _catalog.ListAsync());
    }
}
