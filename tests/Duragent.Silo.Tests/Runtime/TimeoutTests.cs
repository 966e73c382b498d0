using Duragent.Runtime;
using Duragent.Silo.Tests.Runtime.Grains;
using Duragent.Testing;

namespace Duragent.Silo.Tests.Runtime;

public sealed class TimeoutTests : IAsyncLifetime
{
    private readonly Probe _probe = new();
    private TestSilo _silo = null!;

    public async Task InitializeAsync() =>
        _silo = await TestSilo.StartAsync(b => b.WithProbe(_probe).AddGrain<ITimeoutGrain, TimeoutGrain>());

    public async Task DisposeAsync()
    {
        _probe.Set("gate");
        await _silo.DisposeAsync();
    }

    [Fact]
    public async Task Timeout_NamesGrainMethodAndLimit()
    {
        var grain = _silo.GrainFactory.GetGrain<ITimeoutGrain>("t1");
        var call = grain.SlowAsync("gate");
        await _probe.WaitAsync("gate:started");

        _silo.Clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(call.IsCompleted);
        _silo.Clock.Advance(TimeSpan.FromSeconds(0.1));

        var ex = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => call);
        Assert.Contains("timeout/t1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ITimeoutGrain.SlowAsync", ex.Message, StringComparison.Ordinal);
        Assert.Contains("5 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultTimeout_ComesFromSiloOptions()
    {
        var grain = _silo.GrainFactory.GetGrain<ITimeoutGrain>("t2");
        var call = grain.PingAsync("gate");
        await _probe.WaitAsync("gate:started");

        _silo.Clock.Advance(SiloOptions.DefaultResponseTimeout);

        var ex = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => call);
        Assert.Contains("30 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallWhoseCallerTimedOut_IsDroppedAtDequeue()
    {
        var grain = _silo.GrainFactory.GetGrain<ITimeoutGrain>("t3");
        var blocker = grain.BlockAsync("t3-gate");
        await _probe.WaitAsync("t3-gate:started");
        var quick = grain.QuickAsync();

        _silo.Clock.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<GrainCallTimeoutException>(() => quick);
        _probe.Set("t3-gate");
        await blocker.WaitFor("the blocking call");
        await grain.BlockAsync("t3-gate").WaitFor("a call queued after the dropped one");

        Assert.Equal(0, _probe.Count("quick:ran"));
        Assert.Contains(_silo.Logs, r => r.EventId.Id == 1007 && r.Message.Contains("ITimeoutGrain.QuickAsync", StringComparison.Ordinal));
    }
}
