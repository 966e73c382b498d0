namespace Duragent.Bench.BareOrleans;

/// <summary>The baseline's one grain: no state beyond a counter, no storage.</summary>
[Alias("bare.ping")]
public interface IPingGrain : IGrainWithStringKey
{
    /// <summary>Counts the calls this activation has served.</summary>
    [Alias("ping")]
    Task<int> PingAsync();
}

/// <summary>A trivial grain: an activation of it is Orleans' own cost per activation.</summary>
public sealed class PingGrain : Grain, IPingGrain
{
    private int _calls;

    public Task<int> PingAsync() => Task.FromResult(++_calls);
}
