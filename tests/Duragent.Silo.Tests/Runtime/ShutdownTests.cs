using Duragent.Runtime;
using Duragent.Silo.Tests.Runtime.Grains;
using Duragent.Testing;

namespace Duragent.Silo.Tests.Runtime;

public sealed class ShutdownTests
{
    private readonly Probe _probe = new();

    [Fact]
    public async Task GracefulStop_DrainsQueuedCalls_RunsHooks_ThenRejectsCalls()
    {
        await using var silo = await TestSilo.StartAsync(b => b
            .WithProbe(_probe)
            .AddGrain<IConcurrencyGrain, ConcurrencyGrain>()
            .AddGrain<ILifecycleGrain, LifecycleGrain>());
        var grain = silo.GrainFactory.GetGrain<IConcurrencyGrain>("drain");
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("idle").PingAsync();
        var running = grain.WriteAsync("drain-gate", "w1");
        await _probe.WaitAsync("w1:started");
        var queued = grain.WriteAsync("drain-gate", "w2");

        var shutdownStarted = silo.WaitForLogAsync(r => r.EventId.Id == 1100);
        var stop = silo.StopAsync();
        await shutdownStarted.WaitFor("the shutdown to start");

        await Assert.ThrowsAsync<SiloUnavailableException>(() => grain.PeekAsync());
        await Assert.ThrowsAsync<SiloUnavailableException>(() => silo.GrainFactory.GetGrain<ILifecycleGrain>("new").PingAsync());
        Assert.False(stop.IsCompleted);

        _probe.Set("drain-gate");
        await stop.WaitFor("the graceful stop");
        await running;
        await queued;
        Assert.Equal(["w1:done", "w2:done"], _probe.Events);
        Assert.Equal(new Deactivation("idle", DeactivationReason.ShuttingDown), Assert.Single(_probe.Items<Deactivation>()));
        Assert.Equal(0, silo.Catalog().Count);
        await Assert.ThrowsAsync<SiloUnavailableException>(() => grain.PeekAsync());
    }

    [Fact]
    public async Task GracefulStop_LetsGrainsCallGrainsWhileDraining()
    {
        await using var silo = await TestSilo.StartAsync(b => b
            .WithProbe(_probe)
            .AddGrain<ILifecycleGrain, LifecycleGrain>()
            .AddGrain<ICallerGrain, CallerGrain>());
        var caller = silo.GrainFactory.GetGrain<ICallerGrain>("caller");
        var call = caller.CallAfterGateAsync("callee");
        await _probe.WaitAsync("caller:waiting");

        var shutdownStarted = silo.WaitForLogAsync(r => r.EventId.Id == 1100);
        var stop = silo.StopAsync();
        await shutdownStarted.WaitFor("the shutdown to start");
        _probe.Set("caller:go");

        Assert.False(string.IsNullOrEmpty(await call.WaitFor("the call that calls another grain")));
        await stop.WaitFor("the graceful stop");
        Assert.Contains(_probe.Items<Deactivation>(), d => d.Key == "callee" && d.Reason == DeactivationReason.ShuttingDown);
    }
}
