using Duragent.Runtime;
using Duragent.Silo.Tests.Runtime.Grains;
using Duragent.Testing;

namespace Duragent.Silo.Tests.Runtime;

public sealed class MailboxTests : IAsyncLifetime
{
    private readonly Probe _probe = new();
    private TestSilo _silo = null!;

    public async Task InitializeAsync() =>
        _silo = await TestSilo.StartAsync(b => b.WithProbe(_probe).AddGrain<IConcurrencyGrain, ConcurrencyGrain>());

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private IConcurrencyGrain Grain(string key) => _silo.GrainFactory.GetGrain<IConcurrencyGrain>(key);

    private static GrainId Id(string key) => new("concurrency", key);

    [Fact]
    public async Task Calls_RunInArrivalOrder()
    {
        var grain = Grain("fifo");
        var calls = Enumerable.Range(0, 200).Select(grain.RecordAsync).ToList();
        await Task.WhenAll(calls).WaitFor("200 calls");

        Assert.Equal(Enumerable.Range(0, 200), await grain.GetRecordedAsync());
    }

    [Fact]
    public async Task Turns_NeverOverlap_WithAwaitsAndInterleavedCalls()
    {
        var grain = Grain("overlap");
        var calls = new List<Task>();
        for (var i = 0; i < 40; i++)
        {
            calls.Add(Task.Run(() => grain.WorkAsync(6)));
            calls.Add(Task.Run(() => grain.ReadWorkAsync(6)));
            calls.Add(Task.Run(() => grain.ReadWorkAsync(6)));
            calls.Add(Task.Run(() => grain.InterleavedWorkAsync(6)));
        }

        await Task.WhenAll(calls).WaitFor("160 interleaving calls", TimeSpan.FromSeconds(30));

        Assert.Equal(0, _probe.Count("overlap"));
        Assert.True(await grain.GetMaxInFlightAsync() > 1, "calls should have interleaved (otherwise the test proves nothing)");
    }

    [Fact]
    public async Task GrainCode_RunsOnTheActivationScheduler()
    {
        Assert.True(await Grain("sched").RunsOnActivationSchedulerAsync());
    }

    [Fact]
    public async Task ReadOnlyCalls_RunTogether()
    {
        var grain = Grain("readers");
        var first = grain.ReadAsync("readers-gate", "r1");
        var second = grain.ReadAsync("readers-gate", "r2");

        await _probe.WaitAsync("r1:started");
        await _probe.WaitAsync("r2:started");
        Assert.Equal(2, _silo.Activation(Id("readers")).RunningCount);

        _probe.Set("readers-gate");
        await Task.WhenAll(first, second).WaitFor("both reads");
    }

    [Fact]
    public async Task ReadOnlyCall_WaitsBehindRunningWrite()
    {
        var grain = Grain("rw");
        var write = grain.WriteAsync("rw-write", "w");
        await _probe.WaitAsync("w:started");

        var read = grain.ReadAsync("rw-read", "r");
        var activation = _silo.Activation(Id("rw"));
        Assert.Equal(1, activation.QueuedCount);
        Assert.False(_probe.IsSet("r:started"));

        _probe.Set("rw-write");
        await write.WaitFor("the write");
        await _probe.WaitAsync("r:started");
        _probe.Set("rw-read");
        await read.WaitFor("the read");
        Assert.Equal(["w:done", "r:done"], _probe.Events);
    }

    [Fact]
    public async Task ReadOnlyCall_DoesNotOvertakeQueuedWrite()
    {
        var grain = Grain("fair");
        var reader = grain.ReadAsync("fair-r1", "r1");
        await _probe.WaitAsync("r1:started");

        var write = grain.WriteAsync("fair-w", "w");
        var lateReader = grain.ReadAsync("fair-r2", "r2");
        Assert.Equal(2, _silo.Activation(Id("fair")).QueuedCount);

        _probe.Set("fair-r1");
        await _probe.WaitAsync("w:started");
        Assert.False(_probe.IsSet("r2:started"));
        _probe.Set("fair-w");
        _probe.Set("fair-r2");
        await Task.WhenAll(reader, write, lateReader).WaitFor("all three calls");
        Assert.Equal(["r1:done", "w:done", "r2:done"], _probe.Events);
    }

    [Fact]
    public async Task AlwaysInterleaveCall_RunsWhileWriteAwaitsGate()
    {
        var grain = Grain("ai");
        var write = grain.WriteAsync("ai-gate", "w");
        await _probe.WaitAsync("w:started");

        Assert.Equal("peek", await grain.PeekAsync().WaitFor("the interleaving call"));
        Assert.False(write.IsCompleted);

        _probe.Set("ai-gate");
        await write.WaitFor("the write");
    }

    [Fact]
    public async Task ValueTaskMethods_AndTokens_PassThrough()
    {
        var grain = Grain("shapes");
        using var cts = new CancellationTokenSource();

        Assert.Equal(7, await grain.EchoAsync(7));
        await grain.NothingAsync();
        Assert.True(await grain.IsSameTokenAsync(cts.Token, cts.Token));
    }

    [Fact]
    public async Task GrainException_ReachesCaller_AndActivationSurvives()
    {
        var grain = Grain("throws");
        await grain.RecordAsync(1);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ThrowAsync("nope"));
        Assert.Equal("nope", ex.Message);
        Assert.Equal(new[] { 1 }, await grain.GetRecordedAsync());
    }
}
