using System.Reflection;
using Duragent.Runtime;

namespace Duragent.Grains.Tests.Agents;

/// <summary>
/// Just enough of an activation for calling a grain's methods directly: identity and a deactivation token.
/// Everything else is outside what these tests exercise and says so.
/// </summary>
internal sealed class FakeGrainContext(GrainId grainId) : IGrainContext
{
    public GrainId GrainId { get; } = grainId;

    public IGrainFactory GrainFactory => throw new NotSupportedException("The fake grain context has no grain factory.");

    public IServiceProvider Services => throw new NotSupportedException("The fake grain context has no services.");

    public CancellationToken Deactivating => CancellationToken.None;

    public IGrainReminders Reminders => throw new NotSupportedException("The fake grain context has no reminders.");

    public void DeactivateOnIdle()
    {
    }

    public void DelayDeactivation(TimeSpan duration)
    {
    }

    public Task RunTurnAsync(Func<Task> work, bool interleave = false) => work();

    public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool interleave = false, bool keepAlive = false) =>
        throw new NotSupportedException("The fake grain context has no timers.");

    /// <summary>Attaches a context the way the runtime does (Grain.SetContext is internal to the runtime).</summary>
    public static TGrain Attach<TGrain>(TGrain grain, string type, string key)
        where TGrain : Grain
    {
        var setContext = typeof(Grain).GetMethod("SetContext", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("Grain.SetContext was not found; update FakeGrainContext.Attach.");
        setContext.Invoke(grain, [new FakeGrainContext(new GrainId(type, key))]);
        return grain;
    }
}
