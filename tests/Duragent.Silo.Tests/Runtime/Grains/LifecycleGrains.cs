using Duragent.Runtime;
using Duragent.Storage;

namespace Duragent.Silo.Tests.Runtime.Grains;

[GrainType("lifecycle")]
public interface ILifecycleGrain : IGrainWithStringKey
{
    /// <summary>Returns an id unique to the activation instance.</summary>
    Task<string> PingAsync();

    Task DeactivateOnIdleAsync();

    Task DelayDeactivationAsync(TimeSpan duration);

    /// <summary>Signals "{key}:hold:started" and waits for gate "{key}:hold".</summary>
    Task HoldAsync();
}

public sealed class LifecycleGrain(Probe probe) : Grain, ILifecycleGrain
{
    private readonly string _instance = Guid.NewGuid().ToString("N");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Increment($"activations:{GrainKey}");
        await Task.Yield();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Add(new Deactivation(GrainKey, reason));
        probe.Set($"deactivated:{GrainKey}:{probe.Increment($"deactivations:{GrainKey}")}");
        return Task.CompletedTask;
    }

    public Task<string> PingAsync() => Task.FromResult(_instance);

    public Task DeactivateOnIdleAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task DelayDeactivationAsync(TimeSpan duration)
    {
        DelayDeactivation(duration);
        return Task.CompletedTask;
    }

    public async Task HoldAsync()
    {
        probe.Set($"{GrainKey}:hold:started");
        await probe.Gate($"{GrainKey}:hold");
    }
}

[GrainType("flaky")]
public interface IFlakyGrain : IGrainWithStringKey
{
    Task<string> PingAsync();
}

/// <summary>Activates once gate "flaky:go" opens, and fails to until the probe counter "flaky:healthy" is non-zero.</summary>
public sealed class FlakyGrain(Probe probe) : Grain, IFlakyGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Increment("flaky:attempts");
        probe.Set($"{GrainKey}:activating");
        await probe.Gate("flaky:go");
        if (probe.Count("flaky:healthy") == 0)
        {
            throw new InvalidOperationException("boom in OnActivateAsync");
        }
    }

    public Task<string> PingAsync() => Task.FromResult("pong");
}

[GrainType("broken-state")]
public interface IBrokenStateGrain : IGrainWithStringKey
{
    Task PingAsync();
}

/// <summary>Its state lives in the storage provider "failing", whose reads throw.</summary>
public sealed class BrokenStateGrain([PersistentState("s", "failing")] IPersistentState<CounterState> state, Probe probe) : Grain, IBrokenStateGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Increment("broken-state:activate-hook");
        return Task.CompletedTask;
    }

    public Task PingAsync() => Task.FromResult(state.State.Value);
}

/// <summary>A storage provider whose every operation fails.</summary>
public sealed class FailingGrainStorage : IGrainStorage
{
    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
        where TState : class, new() => throw new IOException("disk on fire");

    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
        where TState : class, new() => throw new IOException("disk on fire");

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken = default)
        where TState : class, new() => throw new IOException("disk on fire");
}

[GrainType("timeout")]
public interface ITimeoutGrain : IGrainWithStringKey
{
    [ResponseTimeout(0)]
    Task BlockAsync(string gate);

    [ResponseTimeout(5)]
    Task SlowAsync(string gate);

    [ResponseTimeout(1)]
    Task QuickAsync();

    Task PingAsync(string gate);
}

public sealed class TimeoutGrain(Probe probe) : Grain, ITimeoutGrain
{
    public async Task BlockAsync(string gate)
    {
        probe.Set($"{gate}:started");
        await probe.Gate(gate);
    }

    public Task SlowAsync(string gate) => BlockAsync(gate);

    public Task QuickAsync()
    {
        probe.Increment("quick:ran");
        return Task.CompletedTask;
    }

    public Task PingAsync(string gate) => BlockAsync(gate);
}
