using Duragent.Node;
using Duragent.Sessions;
using Orleans.Runtime;

namespace Duragent.Gateway.Http.Tests.TwoSilo;

/// <summary>
/// The node grain is keyed by a silo's address and always runs on that silo: a client asking silo 2 for its status
/// (or to stop) reaches silo 2, whichever gateway it came through, and an address of no live silo fails the call
/// instead of activating the grain somewhere else.
/// </summary>
public sealed class NodeGrainTests
{
    [Fact]
    public async Task NodeGrain_RunsOnTheSiloItsKeyNames_FromAClientOfEitherGateway()
    {
        await using var kit = await TwoSiloKit.StartAsync();
        var client = kit.Cluster.Client;

        var one = await client.GetGrain<INodeGrain>(kit.Silo1.SiloAddress.ToParsableString()).GetStatusAsync();
        var two = await client.GetGrain<INodeGrain>(kit.Silo2.SiloAddress.ToParsableString()).GetStatusAsync();

        Assert.Equal(kit.Silo1.SiloAddress.ToParsableString(), one.SiloAddress);
        Assert.Equal(kit.Silo2.SiloAddress.ToParsableString(), two.SiloAddress);
        Assert.False(one.Stopping);
        Assert.Equal(Environment.ProcessId, two.Pid);
    }

    [Fact]
    public async Task NodeGrain_OfNoLiveSilo_FailsTheCall_NothingActivatedElsewhere()
    {
        await using var kit = await TwoSiloKit.StartAsync();
        var gone = SiloAddress.New(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1), 42).ToParsableString();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => kit.Cluster.Client.GetGrain<INodeGrain>(gone).GetStatusAsync());

        Assert.Contains(gone, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeGrain_ListsSessionsAndAgents_AndRejectsBadAgentNames()
    {
        await using var kit = await TwoSiloKit.StartAsync();
        var id = await kit.CreateSessionOnSilo2Async(OnDisconnect.Continue);
        var node = kit.Cluster.Client.GetGrain<INodeGrain>(kit.Silo2.SiloAddress.ToParsableString());

        var sessions = await node.ListSessionsAsync();
        var none = await node.ListSessionsAsync(SessionStatus.Paused);
        var agents = await node.ListAgentsAsync();
        var assistant = await node.GetAgentAsync("assistant");
        var missing = await node.GetAgentAsync("nobody");

        Assert.Contains(sessions, s => s.SessionId == id);
        Assert.DoesNotContain(none, s => s.SessionId == id);
        Assert.Contains(agents, a => a.Name == "assistant" && a.Valid);
        Assert.True(assistant.Exists);
        Assert.NotNull(assistant.Detail);
        Assert.False(missing.Exists);
        await Assert.ThrowsAsync<ArgumentException>(() => node.GetAgentAsync("../etc"));
    }
}
