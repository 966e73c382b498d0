namespace Duragent.Sessions;

/// <summary>The silo-wide counters behind <see cref="ISessionActivity"/>, kept by the session grains.</summary>
public sealed class SessionActivity(TimeProvider clock) : ISessionActivity
{
    private int _attached;
    private int _running;
    private long _lastActiveTicks = clock.GetUtcNow().UtcTicks;

    public int AttachedClients => Volatile.Read(ref _attached);

    public int RunningTurns => Volatile.Read(ref _running);

    public DateTimeOffset LastActiveAt => new(Interlocked.Read(ref _lastActiveTicks), TimeSpan.Zero);

    internal void ClientAttached() => Interlocked.Increment(ref _attached);

    internal void ClientDetached()
    {
        Interlocked.Decrement(ref _attached);
        Touch();
    }

    internal void TurnRunning() => Interlocked.Increment(ref _running);

    internal void TurnStopped()
    {
        Interlocked.Decrement(ref _running);
        Touch();
    }

    private void Touch() => Interlocked.Exchange(ref _lastActiveTicks, clock.GetUtcNow().UtcTicks);
}
