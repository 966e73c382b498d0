using System.Reflection;
using Duragent.Agents;
using Duragent.Grains.Tests.Configuration;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;

namespace Duragent.Grains.Tests.Agents;

/// <summary>The agent grain in a one-silo test cluster, called through the cluster client (arguments and results cross the serializer).</summary>
public sealed class AgentGrainTests : IAsyncLifetime
{
    private readonly TestDirectory _dir = new();
    private TestSilo? _silo;

    public async Task InitializeAsync()
    {
        var catalog = new FileAgentCatalog(_dir.Combine("agents"));
        _silo = await TestSilo.StartAsync(b => b.Services.AddSingleton<IAgentCatalog>(catalog));
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        _dir.Dispose();
    }

    private IAgentGrain Agent(string name) => _silo!.GrainFactory.GetGrain<IAgentGrain>(name);

    [Fact]
    public void Grain_IsTheAgentGrainTypeWithAnInterleavingGet()
    {
        Assert.Equal("agent", Agent("alpha").GetGrainId().Type.ToString());
        Assert.NotNull(typeof(IAgentGrain).GetMethod(nameof(IAgentGrain.GetAsync))!.GetCustomAttribute<AlwaysInterleaveAttribute>());
        Assert.Null(typeof(IAgentGrain).GetMethod(nameof(IAgentGrain.AllowAlwaysAsync))!.GetCustomAttribute<AlwaysInterleaveAttribute>());
    }

    [Fact]
    public async Task Get_ReturnsTheDefinitionWithItsPrompts()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha") + "  soul: SOUL.md\n");
        _dir.Write("agents/alpha/SOUL.md", "I am {{agent.name}}.");

        var definition = await Agent("alpha").GetAsync();

        Assert.Equal("alpha", definition!.Name);
        Assert.Equal("I am {{agent.name}}.", definition.Prompts.Soul!.Text);
        Assert.EndsWith("I am alpha.", SystemPromptBuilder.Build(definition, new FixedTimeProvider(DateTimeOffset.UnixEpoch)));
    }

    [Fact]
    public async Task Get_NoSuchAgent_IsNull()
    {
        Assert.Null(await Agent("ghost").GetAsync());
    }

    [Fact]
    public async Task Get_PicksUpEditedFiles()
    {
        var home = _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));
        var before = await Agent("alpha").GetAsync();

        var file = Path.Combine(home, "agent.yaml");
        File.WriteAllText(file, AgentFiles.Minimal("alpha").Replace("name: alpha", "name: alpha\n  description: edited"));
        AgentFiles.Touch(file);

        Assert.Null(before!.Metadata.Description);
        Assert.Equal("edited", (await Agent("alpha").GetAsync())!.Metadata.Description);
    }

    [Fact]
    public async Task Get_UnchangedFiles_GivesAnEqualDefinition()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha"));

        var first = await Agent("alpha").GetAsync();
        var second = await Agent("alpha").GetAsync();

        Assert.Equal(first!.SourceFile, second!.SourceFile);
        Assert.Equal(first.Model, second.Model);
        Assert.Equal(first.Tools.Count, second.Tools.Count);
    }

    [Fact]
    public async Task Get_BrokenAgent_IsNull()
    {
        _dir.WriteAgent("alpha", AgentFiles.Minimal("alpha").Replace("kind: Agent", "kind: Robot"));

        Assert.Null(await Agent("alpha").GetAsync());
    }
}
