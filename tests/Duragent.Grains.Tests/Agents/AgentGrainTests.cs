using System.Reflection;
using Duragent.Agents;
using Duragent.Grains.Tests.Configuration;
using Duragent.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Duragent.Grains.Tests.Agents;

public class AgentGrainTests : IDisposable
{
    private readonly TestDirectory _dir = new();
    private readonly FileAgentCatalog _catalog;

    public AgentGrainTests()
    {
        _catalog = new FileAgentCatalog(_dir.Combine("agents"));
    }

    public void Dispose() => _dir.Dispose();

    private async Task<AgentGrain> ActivateAsync(string name)
    {
        var grain = FakeGrainContext.Attach(new AgentGrain(_catalog, NullLogger<AgentGrain>.Instance), "agent", name);
        await grain.OnActivateAsync(CancellationToken.None);
        return grain;
    }

    [Fact]
    public void Interface_IsTheAgentGrainTypeWithAnInterleavingGet()
    {
        Assert.Equal("agent", typeof(IAgentGrain).GetCustomAttribute<GrainTypeAttribute>()!.Name);
        Assert.NotNull(typeof(IAgentGrain).GetMethod(nameof(IAgentGrain.GetAsync))!.GetCustomAttribute<AlwaysInterleaveAttribute>());
        Assert.Null(typeof(IAgentGrain).GetMethod(nameof(IAgentGrain.ReloadAsync))!.GetCustomAttribute<AlwaysInterleaveAttribute>());
    }

    [Fact]
    public async Task Get_ReturnsTheDefinitionWithItsPrompts()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha") + "  soul: SOUL.md\n");
        _dir.Write("agents/alpha/SOUL.md", "I am {{agent.name}}.");
        var grain = await ActivateAsync("alpha");

        var definition = await grain.GetAsync();

        Assert.Equal("alpha", definition!.Name);
        Assert.Equal("I am {{agent.name}}.", definition.Prompts.Soul!.Text);
        Assert.EndsWith("I am alpha.", SystemPromptBuilder.Build(definition, new FixedTimeProvider(DateTimeOffset.UnixEpoch)));
    }

    [Fact]
    public async Task Get_NoSuchAgent_IsNull()
    {
        var grain = await ActivateAsync("ghost");

        Assert.Null(await grain.GetAsync());
        Assert.Null(await grain.ReloadAsync());
    }

    [Fact]
    public async Task Get_PicksUpEditedFiles()
    {
        var home = _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        var grain = await ActivateAsync("alpha");
        var before = await grain.GetAsync();

        var file = Path.Combine(home, "agent.yaml");
        File.WriteAllText(file, AgentFiles.Minimal("alpha").Replace("name: alpha", "name: alpha\n  description: edited"));
        AgentFiles.Touch(file);

        Assert.Null(before!.Metadata.Description);
        Assert.Equal("edited", (await grain.GetAsync())!.Metadata.Description);
    }

    [Fact]
    public async Task Get_UnchangedFiles_KeepsTheSameDefinition()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        var grain = await ActivateAsync("alpha");

        Assert.Same(await grain.GetAsync(), await grain.GetAsync());
    }

    [Fact]
    public async Task Reload_ReadsTheFilesAgain()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        var grain = await ActivateAsync("alpha");
        var before = await grain.GetAsync();

        var after = await grain.ReloadAsync();

        Assert.NotSame(before, after);
        Assert.Same(after, await grain.GetAsync());
    }

    [Fact]
    public async Task Get_BrokenAgent_IsNull()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha").Replace("kind: Agent", "kind: Robot"));
        var grain = await ActivateAsync("alpha");

        Assert.Null(await grain.GetAsync());
    }
}
