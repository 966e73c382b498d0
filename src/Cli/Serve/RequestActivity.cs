namespace Duragent.Cli.Serve;

/// <summary>
/// API requests and Orleans client calls (<see cref="ClientCallActivity"/>) as activity for idle shutdown: a request in flight (an open stream included) keeps the server up,
/// and the end of the last one counts as the last activity. Health probes (<c>/livez</c>, <c>/readyz</c>,
/// <c>/version</c>) do not count, so a monitor polling them cannot keep an idle server alive.
/// </summary>
internal sealed class RequestActivity(TimeProvider clock)
{
    private static readonly string[] HealthPaths = ["/livez", "/readyz", "/version"];

    private int _inFlight;
    private bool _seen;
    private long _lastTicks = clock.GetUtcNow().UtcTicks;

    /// <summary>Requests being served now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>True once any request or client call began.</summary>
    public bool AnySeen => Volatile.Read(ref _seen);

    /// <summary>When the last request began or ended (or when this was created).</summary>
    public DateTimeOffset LastRequestAt => new(Interlocked.Read(ref _lastTicks), TimeSpan.Zero);

    public static bool Counts(string? path) =>
        path is null || !HealthPaths.Any(h => string.Equals(path, h, StringComparison.OrdinalIgnoreCase));

    public void Begin()
    {
        Interlocked.Increment(ref _inFlight);
        Volatile.Write(ref _seen, true);
        Touch();
    }

    public void End()
    {
        Interlocked.Decrement(ref _inFlight);
        Touch();
    }

    private void Touch() => Interlocked.Exchange(ref _lastTicks, clock.GetUtcNow().UtcTicks);
}
