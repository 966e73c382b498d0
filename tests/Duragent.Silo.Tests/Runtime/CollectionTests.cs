using Duragent.Runtime;
using Duragent.Silo.Tests.Runtime.Grains;
using Duragent.Testing;

namespace Duragent.Silo.Tests.Runtime;

public sealed class CollectionTests
{
    private readonly Probe _probe = new();

    private Task<TestSilo> StartAsync(Action<SiloOptions>? configure = null) =>
        TestSilo.StartAsync(b => b.WithProbe(_probe).AddGrain<ILifecycleGrain, LifecycleGrain>().ConfigureSilo(configure ?? (_ => { })));

    private static GrainId Id(string key) => new("lifecycle", key);

    [Fact]
    public async Task IdleActivation_IsCollectedAfterCollectionAge()
    {
        await using var silo = await StartAsync();
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("idle").PingAsync();

        silo.Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.True(silo.IsActive(Id("idle")));

        silo.Clock.Advance(TimeSpan.FromMinutes(1));
        await _probe.WaitAsync("deactivated:idle:1");
        Assert.Equal(new Deactivation("idle", DeactivationReason.ActivationIdle), Assert.Single(_probe.Items<Deactivation>()));
    }

    [Fact]
    public async Task Calls_KeepActivationAlive()
    {
        await using var silo = await StartAsync();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("busy");
        await grain.PingAsync();

        for (var i = 0; i < 4; i++)
        {
            silo.Clock.Advance(TimeSpan.FromMinutes(10));
            await grain.PingAsync();
        }

        Assert.True(silo.IsActive(Id("busy")));
        Assert.Equal(1, _probe.Count("activations:busy"));
    }

    [Fact]
    public async Task CollectionAge_CanBeSetPerGrainType()
    {
        await using var silo = await StartAsync(o => o.CollectionAgeByGrainType["lifecycle"] = TimeSpan.FromMinutes(2));
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("short").PingAsync();

        silo.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(silo.IsActive(Id("short")));
        silo.Clock.Advance(TimeSpan.FromMinutes(1));

        await _probe.WaitAsync("deactivated:short:1");
    }

    [Fact]
    public async Task InfiniteCollectionAge_KeepsActivation()
    {
        await using var silo = await StartAsync(o => o.CollectionAgeByGrainType["lifecycle"] = Timeout.InfiniteTimeSpan);
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("forever").PingAsync();

        silo.Clock.Advance(TimeSpan.FromDays(2));

        Assert.True(silo.IsActive(Id("forever")));
    }

    [Fact]
    public async Task DelayDeactivation_PostponesCollection()
    {
        await using var silo = await StartAsync();
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("delayed").DelayDeactivationAsync(TimeSpan.FromHours(1));

        silo.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.True(silo.IsActive(Id("delayed")));
        silo.Clock.Advance(TimeSpan.FromMinutes(1));

        await _probe.WaitAsync("deactivated:delayed:1");
    }

    [Fact]
    public async Task DelayDeactivationZero_CancelsTheDelay()
    {
        await using var silo = await StartAsync();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("undelayed");
        await grain.DelayDeactivationAsync(TimeSpan.FromHours(1));
        await grain.DelayDeactivationAsync(TimeSpan.Zero);

        silo.Clock.Advance(TimeSpan.FromMinutes(15));

        await _probe.WaitAsync("deactivated:undelayed:1");
    }

    [Fact]
    public async Task DeactivateOnIdle_DeactivatesAfterTheCall_AndNextCallReactivates()
    {
        await using var silo = await StartAsync();
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("bye");
        var first = await grain.PingAsync();

        await grain.DeactivateOnIdleAsync();
        await _probe.WaitAsync("deactivated:bye:1");

        Assert.NotEqual(first, await grain.PingAsync());
        Assert.Equal(2, _probe.Count("activations:bye"));
        Assert.Equal(DeactivationReason.ApplicationRequested, Assert.Single(_probe.Items<Deactivation>()).Reason);
    }

    [Fact]
    public async Task DeactivateAsync_RunsTheDeactivateHook()
    {
        await using var silo = await StartAsync();
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("hook").PingAsync();

        await silo.DeactivateAsync(Id("hook"));

        Assert.Equal(new Deactivation("hook", DeactivationReason.RuntimeRequested), Assert.Single(_probe.Items<Deactivation>()));
        Assert.False(silo.Catalog().TryGetActivation(Id("hook"), out _));
    }
}
