using System.Security.Cryptography;
using System.Text;
using Duragent.Agents;
using Duragent.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Grains.Tests.Configuration;

public class DuragentWorkspaceTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Paths_DefaultUnderDotDuragentNextToTheConfig()
    {
        var workspace = new DuragentWorkspace(DuragentConfig.CreateDefault(_dir.Combine("duragent.yaml")));
        var root = _dir.Combine(".duragent");

        Assert.Equal(_dir.Path, workspace.ConfigDirectory);
        Assert.Equal(root, workspace.Directory);
        Assert.Equal(Path.Combine(root, "agents"), workspace.AgentsDirectory);
        Assert.Equal(Path.Combine(root, "sessions"), workspace.SessionsDirectory);
        Assert.Equal(Path.Combine(root, "memory", "world"), workspace.WorldMemoryDirectory);
        Assert.Equal(Path.Combine(root, "directives"), workspace.DirectivesDirectory);
        Assert.Equal(Path.Combine(root, "tools"), workspace.ToolsDirectory);
        Assert.Equal(Path.Combine(root, "processes"), workspace.ProcessesDirectory);
        Assert.Equal(Path.Combine(root, "policy.yaml"), workspace.PolicyFile);
        Assert.Equal(Path.Combine(root, "schedules"), workspace.SchedulesDirectory);
        Assert.Equal(Path.Combine(root, "schedules", "runs"), workspace.ScheduleRunsDirectory);
        Assert.Equal(Path.Combine(root, "logs"), workspace.LogsDirectory);
        Assert.Equal(Path.Combine(root, "logs", "server-8080.log"), workspace.ServerLogFile(8080));
    }

    [Fact]
    public void Paths_FollowTheConfiguredDirectories()
    {
        var config = DuragentConfigLoader.Parse(
            "workspace: ./state\nagents_dir: /srv/agents\nservices:\n  session:\n    path: ./data/sessions\nworld_memory:\n  path: ./world\n",
            _dir.Combine("duragent.yaml")).Config;

        var workspace = new DuragentWorkspace(config);

        Assert.Equal(_dir.Combine("state"), workspace.Directory);
        Assert.Equal("/srv/agents", workspace.AgentsDirectory);
        Assert.Equal(_dir.Combine("data", "sessions"), workspace.SessionsDirectory);
        Assert.Equal(_dir.Combine("world"), workspace.WorldMemoryDirectory);
        Assert.Equal(_dir.Combine("state", "policy.yaml"), workspace.PolicyFile);
        Assert.Equal(_dir.Combine("data", "schedules"), workspace.SchedulesDirectory);
        Assert.Equal(_dir.Combine(".duragent", "logs"), workspace.LogsDirectory);
    }

    [Fact]
    public void Hash_IsSha256HexOfTheCanonicalWorkspacePath()
    {
        var workspace = new DuragentWorkspace(DuragentConfig.CreateDefault(_dir.Combine("duragent.yaml")));
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_dir.Combine(".duragent"))));

        Assert.Equal(expected, workspace.Hash);
        Assert.Equal(64, workspace.Hash.Length);
    }

    [Fact]
    public void Hash_IsStableAcrossSpellingsAndInstances()
    {
        Directory.CreateDirectory(_dir.Combine("ws"));
        var plain = DuragentWorkspace.ComputeHash(_dir.Combine("ws"));

        Assert.Equal(plain, DuragentWorkspace.ComputeHash(_dir.Combine("ws") + "/"));
        Assert.Equal(plain, DuragentWorkspace.ComputeHash(_dir.Combine("x", "..", "ws")));
        Assert.Equal(plain, DuragentWorkspace.ComputeHash(_dir.Combine(".", "ws")));
        Assert.NotEqual(plain, DuragentWorkspace.ComputeHash(_dir.Combine("other")));
    }

    [Fact]
    public void Hash_ResolvesSymbolicLinks()
    {
        Directory.CreateDirectory(_dir.Combine("real", "ws"));
        Directory.CreateSymbolicLink(_dir.Combine("link"), _dir.Combine("real"));

        Assert.Equal(
            DuragentWorkspace.ComputeHash(_dir.Combine("real", "ws")),
            DuragentWorkspace.ComputeHash(_dir.Combine("link", "ws")));
    }

    [Fact]
    public void IsInitialized_NeedsTheConfigOrTheWorkspaceDirectory()
    {
        var workspace = new DuragentWorkspace(DuragentConfig.CreateDefault(_dir.Combine("duragent.yaml")));
        Assert.False(workspace.IsInitialized);

        Directory.CreateDirectory(workspace.Directory);

        Assert.True(workspace.IsInitialized);
    }

    [Fact]
    public void AddDuragentAgents_RegistersWorkspaceAndCatalog()
    {
        var workspace = new DuragentWorkspace(DuragentConfig.CreateDefault(_dir.Combine("duragent.yaml")));
        using var provider = new ServiceCollection().AddLogging().AddDuragentAgents(workspace).BuildServiceProvider();

        Assert.Same(workspace, provider.GetRequiredService<DuragentWorkspace>());
        Assert.Same(workspace.Config, provider.GetRequiredService<DuragentConfig>());
        Assert.Equal(workspace.AgentsDirectory, provider.GetRequiredService<IAgentCatalog>().AgentsDirectory);
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
    }
}
