using System.Globalization;
using Duragent.Runtime;

namespace Duragent.Silo.Tests.Runtime.Grains;

public sealed class CounterState
{
    public int Value { get; set; }
}

[GrainType("state")]
public interface IStateGrain : IGrainWithStringKey
{
    Task<int> GetSeenAtActivationAsync();

    Task<int> IncrementAsync();

    [ReadOnly]
    Task<int> GetAsync();
}

public sealed class StateGrain([PersistentState("counter")] IPersistentState<CounterState> counter, Probe probe) : Grain, IStateGrain
{
    private int _seenAtActivation = -1;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _seenAtActivation = counter.State.Value;
        probe.Increment($"activations:{GrainKey}");
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Add(new Deactivation(GrainKey, reason));
        var n = probe.Increment($"deactivations:{GrainKey}");
        probe.Set($"deactivated:{GrainKey}:{n.ToString(CultureInfo.InvariantCulture)}");
        return Task.CompletedTask;
    }

    public Task<int> GetSeenAtActivationAsync() => Task.FromResult(_seenAtActivation);

    public async Task<int> IncrementAsync()
    {
        counter.State.Value++;
        await counter.WriteStateAsync();
        return counter.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(counter.State.Value);
}

/// <summary>What a grain's deactivate hook saw.</summary>
public sealed record Deactivation(string Key, DeactivationReason Reason);
