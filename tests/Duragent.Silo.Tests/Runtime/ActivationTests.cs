using Duragent.Runtime;
using Duragent.Silo.Tests.Runtime.Grains;
using Duragent.Storage;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Silo.Tests.Runtime;

public sealed class ActivationTests : IAsyncLifetime
{
    private readonly Probe _probe = new();
    private TestSilo _silo = null!;

    public async Task InitializeAsync() =>
        _silo = await TestSilo.StartAsync(b => b
            .WithProbe(_probe)
            .AddGrain<ILifecycleGrain, LifecycleGrain>()
            .AddGrain<IFlakyGrain, FlakyGrain>()
            .AddGrain<IStateGrain, StateGrain>()
            .AddGrain<IBrokenStateGrain, BrokenStateGrain>()
            .AddGrain<IContextGrain, ContextGrain>()
            .Services.AddKeyedSingleton<IGrainStorage>("failing", new FailingGrainStorage()));

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task ConcurrentFirstCalls_CreateOneActivation()
    {
        var calls = Enumerable.Range(0, 100)
            .Select(_ => Task.Run(() => _silo.GrainFactory.GetGrain<ILifecycleGrain>("many").PingAsync()))
            .ToList();
        var instances = await Task.WhenAll(calls).WaitFor("100 first calls");

        Assert.Equal(1, _probe.Count("activations:many"));
        Assert.Single(instances.Distinct());
        Assert.Equal(1, _silo.Catalog().Count);
    }

    [Fact]
    public async Task ActivationFailure_FailsQueuedCallers_AndLaterCallRetries()
    {
        var grain = _silo.GrainFactory.GetGrain<IFlakyGrain>("f1");
        var calls = Enumerable.Range(0, 5).Select(_ => grain.PingAsync()).ToList();
        Assert.Equal(5, _silo.Activation(new GrainId("flaky", "f1")).QueuedCount);
        _probe.Set("flaky:go");

        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<GrainActivationException>(() => call);
            Assert.Contains("flaky/f1", ex.Message, StringComparison.Ordinal);
            Assert.Equal("boom in OnActivateAsync", Assert.IsType<InvalidOperationException>(ex.InnerException).Message);
        }

        Assert.Equal(1, _probe.Count("flaky:attempts"));
        _probe.Increment("flaky:healthy");
        Assert.Equal("pong", await grain.PingAsync());
        Assert.Equal(2, _probe.Count("flaky:attempts"));
    }

    [Fact]
    public async Task StateReadFailure_FailsActivation_WithoutRunningActivateHook()
    {
        var ex = await Assert.ThrowsAsync<GrainActivationException>(() => _silo.GrainFactory.GetGrain<IBrokenStateGrain>("b1").PingAsync());

        Assert.IsType<IOException>(ex.InnerException);
        Assert.Contains("broken-state/b1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, _probe.Count("broken-state:activate-hook"));
        Assert.False(_silo.Catalog().TryGetActivation(new GrainId("broken-state", "b1"), out _));
    }

    [Fact]
    public async Task State_IsLoadedBeforeOnActivateAsync()
    {
        var record = new GrainState<CounterState> { State = new CounterState { Value = 41 } };
        await _silo.InMemoryStorage!.GrainStorage.WriteStateAsync("counter", new GrainId("state", "s1"), record);

        var grain = _silo.GrainFactory.GetGrain<IStateGrain>("s1");

        Assert.Equal(41, await grain.GetSeenAtActivationAsync());
        Assert.Equal(42, await grain.IncrementAsync());
    }

    [Fact]
    public async Task Conflict_DeactivatesActivation_AndNextCallReloads()
    {
        var id = new GrainId("state", "c1");
        var grain = _silo.GrainFactory.GetGrain<IStateGrain>("c1");
        Assert.Equal(1, await grain.IncrementAsync());

        var storage = _silo.InMemoryStorage!.GrainStorage;
        var behindItsBack = new GrainState<CounterState>();
        await storage.ReadStateAsync("counter", id, behindItsBack);
        behindItsBack.State.Value = 10;
        await storage.WriteStateAsync("counter", id, behindItsBack);

        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.IncrementAsync());
        await _probe.WaitAsync("deactivated:c1:1");
        Assert.Equal(new Deactivation("c1", DeactivationReason.InconsistentState), Assert.Single(_probe.Items<Deactivation>()));

        Assert.Equal(11, await grain.IncrementAsync());
        Assert.Equal(2, _probe.Count("activations:c1"));
    }

    [Fact]
    public async Task Constructor_GetsContextAndOneRecordPerStateName()
    {
        var grain = _silo.GrainFactory.GetGrain<IContextGrain>("ctx");
        Assert.Equal("context/ctx", await grain.GetIdFromConstructorContextAsync());

        await grain.WriteBothAsync(1, 2);

        var storage = _silo.InMemoryStorage!.GrainStorage;
        var first = new GrainState<CounterState>();
        var second = new GrainState<CounterState>();
        await storage.ReadStateAsync("first", new GrainId("context", "ctx"), first);
        await storage.ReadStateAsync("second", new GrainId("context", "ctx"), second);
        Assert.Equal((1, 2), (first.State.Value, second.State.Value));
    }

    [Fact]
    public async Task ActivationTimeout_FailsCallers_WithTimeoutInside()
    {
        await using var silo = await TestSilo.StartAsync(b => b
            .WithProbe(_probe)
            .AddGrain<IFlakyGrain, FlakyGrain>()
            .ConfigureSilo(o => o.ActivationTimeout = TimeSpan.FromSeconds(10)));
        var call = silo.GrainFactory.GetGrain<IFlakyGrain>("stuck").PingAsync();
        await _probe.WaitAsync("stuck:activating");

        silo.Clock.Advance(TimeSpan.FromSeconds(10));

        var ex = await Assert.ThrowsAsync<GrainActivationException>(() => call.WaitFor("the activation to time out"));
        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Contains("flaky/stuck", ex.Message, StringComparison.Ordinal);
        _probe.Set("flaky:go");
    }

    [Fact]
    public async Task Deactivation_StopsWaitingForAHungCall_AfterDeactivationTimeout()
    {
        var grain = _silo.GrainFactory.GetGrain<ILifecycleGrain>("hung");
        var hold = grain.HoldAsync();
        await _probe.WaitAsync("hung:hold:started");
        var deactivation = _silo.DeactivateAsync(new GrainId("lifecycle", "hung"));

        _silo.Clock.Advance(SiloOptions.DefaultDeactivationTimeout);

        await deactivation.WaitFor("the deactivation to give up waiting");
        Assert.Contains(_silo.Logs, r => r.EventId.Id == 1005 && r.Message.Contains("lifecycle/hung", StringComparison.Ordinal));
        await Assert.ThrowsAsync<GrainCallTimeoutException>(() => hold.WaitFor("the hung call's own response timeout"));
        _probe.Set("hung:hold");
    }

    [Fact]
    public async Task CallsDuringDeactivation_GoToTheNextActivation()
    {
        var grain = _silo.GrainFactory.GetGrain<ILifecycleGrain>("handover");
        var first = await grain.PingAsync();
        var hold = grain.HoldAsync();
        await _probe.WaitAsync("handover:hold:started");

        var deactivation = _silo.DeactivateAsync(new GrainId("lifecycle", "handover"));
        var during = grain.PingAsync();
        Assert.False(during.IsCompleted);

        _probe.Set("handover:hold");
        await deactivation.WaitFor("the deactivation");
        var second = await during.WaitFor("the call made during deactivation");

        Assert.NotEqual(first, second);
        Assert.Equal(2, _probe.Count("activations:handover"));
    }

    [Fact]
    public async Task DeactivationsRacingCalls_NeverLoseOrHangCalls()
    {
        var id = new GrainId("lifecycle", "churn");
        var grain = _silo.GrainFactory.GetGrain<ILifecycleGrain>("churn");
        var work = new List<Task>();
        for (var i = 0; i < 300; i++)
        {
            work.Add(Task.Run(() => grain.PingAsync()));
            if (i % 10 == 0)
            {
                work.Add(Task.Run(() => _silo.DeactivateAsync(id)));
                work.Add(Task.Run(() => grain.DeactivateOnIdleAsync()));
            }
        }

        await Task.WhenAll(work).WaitFor("300 calls racing 60 deactivations");
        await _silo.DeactivateAsync(id).WaitFor("the final deactivation");

        Assert.Equal(_probe.Count("activations:churn"), _probe.Count("deactivations:churn"));
        Assert.False(_silo.Catalog().TryGetActivation(id, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("-leading-dash")]
    [InlineData("a..b")]
    [InlineData("tab\there")]
    public void GetGrain_RejectsInvalidKeys(string key)
    {
        var ex = Assert.Throws<ArgumentException>(() => _silo.GrainFactory.GetGrain<ILifecycleGrain>(key));
        Assert.Contains("Invalid grain key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetGrain_RejectsOverlongKey() =>
        Assert.Throws<ArgumentException>(() => _silo.GrainFactory.GetGrain<ILifecycleGrain>(new string('k', GrainKey.MaxLength + 1)));

    [Fact]
    public void GetGrain_RejectsUnregisteredInterface()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => _silo.GrainFactory.GetGrain<IPlainGrain>("p"));
        Assert.Contains("AddGrain<IPlainGrain", ex.Message, StringComparison.Ordinal);
    }
}
