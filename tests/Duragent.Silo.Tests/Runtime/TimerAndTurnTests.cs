using Duragent.Runtime;
using Duragent.Silo.Tests.Runtime.Grains;
using Duragent.Testing;

namespace Duragent.Silo.Tests.Runtime;

public sealed class TimerAndTurnTests : IAsyncLifetime
{
    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(10);
    private readonly Probe _probe = new();
    private TestSilo _silo = null!;

    public async Task InitializeAsync() =>
        _silo = await TestSilo.StartAsync(b => b.WithProbe(_probe).AddGrain<ITimerGrain, TimerGrain>());

    public async Task DisposeAsync()
    {
        _probe.Set("tick-gate");
        await _silo.DisposeAsync();
    }

    private ITimerGrain Grain(string key) => _silo.GrainFactory.GetGrain<ITimerGrain>(key);

    [Fact]
    public async Task Timer_TicksEveryPeriod()
    {
        var grain = Grain("ticker");
        await grain.StartTimerAsync(s_period, s_period, keepAlive: false);

        _silo.Clock.Advance(s_period);
        await _probe.WaitAsync("ticker:tick:1");
        Assert.Equal(1, await grain.GetTicksAsync());
        _silo.Clock.Advance(s_period);
        await _probe.WaitAsync("ticker:tick:2");
        Assert.Equal(2, await grain.GetTicksAsync());
    }

    [Fact]
    public async Task TimerTick_IsATurn_QueuedBehindRunningCall()
    {
        var grain = Grain("queued-tick");
        await grain.StartTimerAsync(s_period, s_period, keepAlive: false);
        var write = grain.WriteAsync("queued-tick-gate");
        await _probe.WaitAsync("queued-tick:write:started");

        _silo.Clock.Advance(s_period);
        Assert.Equal(1, _silo.Activation(new GrainId("timer", "queued-tick")).QueuedCount);

        _probe.Set("queued-tick-gate");
        await write;
        await _probe.WaitAsync("queued-tick:tick:1");
        Assert.Equal(["write-done", "tick:1"], _probe.Events);
    }

    [Fact]
    public async Task TimerTicks_NeverOverlap_NextTickWaitsForCompletion()
    {
        _probe.Increment("tick-blocks");
        var grain = Grain("slow-tick");
        await grain.StartTimerAsync(s_period, s_period, keepAlive: false);

        _silo.Clock.Advance(s_period);
        await _probe.WaitAsync("slow-tick:tick:1");
        _silo.Clock.Advance(s_period * 5);
        Assert.Equal(0, _silo.Activation(new GrainId("timer", "slow-tick")).QueuedCount);

        _probe.Set("tick-gate");
        Assert.Equal(1, await grain.GetTicksAsync());
        _silo.Clock.Advance(s_period);
        await _probe.WaitAsync("slow-tick:tick:2");
    }

    [Fact]
    public async Task DisposedTimer_StopsTicking()
    {
        var grain = Grain("stopped");
        await grain.StartTimerAsync(s_period, s_period, keepAlive: false);
        _silo.Clock.Advance(s_period);
        await _probe.WaitAsync("stopped:tick:1");

        await grain.StopTimerAsync();
        _silo.Clock.Advance(s_period * 3);

        Assert.Equal(1, await grain.GetTicksAsync());
    }

    [Fact]
    public async Task Timer_DiesWithActivation_AndDoesNotReactivate()
    {
        var grain = Grain("mortal");
        await grain.StartTimerAsync(s_period, s_period, keepAlive: false);
        await _silo.DeactivateAsync(new GrainId("timer", "mortal"));

        _silo.Clock.Advance(s_period * 3);

        Assert.Equal(0, _silo.Catalog().Count);
        Assert.False(_probe.IsSet("mortal:tick:1"));
    }

    [Fact]
    public async Task KeepAliveTimer_KeepsActivationAlive_OthersDoNot()
    {
        await Grain("kept").StartTimerAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), keepAlive: true);
        await Grain("collected").StartTimerAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), keepAlive: false);

        for (var minute = 1; minute <= 16; minute++)
        {
            _silo.Clock.Advance(TimeSpan.FromMinutes(1));
            if (minute < 15)
            {
                // Let each tick finish (and its timer re-arm) before the clock moves on.
                await _probe.WaitAsync($"kept:tick:{minute}");
                await _probe.WaitAsync($"collected:tick:{minute}");
                await _silo.Activation(new GrainId("timer", "kept")).WhenIdleAsync().WaitFor("the kept grain's tick");
                await _silo.Activation(new GrainId("timer", "collected")).WhenIdleAsync().WaitFor("the collected grain's tick");
            }
        }

        await _probe.WaitAsync("deactivated:collected");
        Assert.True(_silo.IsActive(new GrainId("timer", "kept")));
    }

    [Fact]
    public async Task RunTurnAsync_RunsOnTheActivation_BehindTheRunningCall()
    {
        var grain = Grain("posted");
        await grain.StartBackgroundAsync();
        var write = grain.WriteAsync("posted-gate");
        await _probe.WaitAsync("posted:write:started");

        _probe.Set("bg");
        await _probe.WaitAsync("bg:posted");
        Assert.Equal(1, _silo.Activation(new GrainId("timer", "posted")).QueuedCount);
        _probe.Set("posted-gate");
        await write;
        await _probe.WaitAsync("bg:done");

        Assert.Equal(["write-done", "turn-on-activation"], _probe.Events);
        Assert.Equal(42, await grain.GetValueAsync());
    }
}
