using Duragent.Runtime;

namespace Duragent.Silo.Tests.Runtime.Grains;

[GrainType("context")]
public interface IContextGrain : IGrainWithStringKey
{
    Task<string> GetIdFromConstructorContextAsync();

    Task WriteBothAsync(int first, int second);
}

/// <summary>Takes its context and two state records (default provider, and the provider named "Default") in its constructor.</summary>
public sealed class ContextGrain(
    IGrainContext context,
    [PersistentState("first")] IPersistentState<CounterState> first,
    [PersistentState("second", "Default")] IPersistentState<CounterState> second) : Grain, IContextGrain
{
    public Task<string> GetIdFromConstructorContextAsync() => Task.FromResult(context.GrainId.ToString());

    public async Task WriteBothAsync(int firstValue, int secondValue)
    {
        first.State.Value = firstValue;
        second.State.Value = secondValue;
        await first.WriteStateAsync();
        await second.WriteStateAsync();
    }
}
