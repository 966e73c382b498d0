using Duragent.Runtime;

namespace Duragent.Silo.Tests.Runtime.Grains;

[GrainType("caller")]
public interface ICallerGrain : IGrainWithStringKey
{
    /// <summary>Signals "caller:waiting", waits for gate "caller:go", then pings lifecycle grain <paramref name="key"/>.</summary>
    Task<string> CallAfterGateAsync(string key);
}

public sealed class CallerGrain(Probe probe) : Grain, ICallerGrain
{
    public async Task<string> CallAfterGateAsync(string key)
    {
        probe.Set("caller:waiting");
        await probe.Gate("caller:go");
        return await GrainFactory.GetGrain<ILifecycleGrain>(key).PingAsync();
    }
}
