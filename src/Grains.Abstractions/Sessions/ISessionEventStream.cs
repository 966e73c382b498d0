namespace Duragent.Sessions;

/// <summary>
/// A reader of one session's events: first those already in the log after the requested seq, then live ones as they
/// are appended, each exactly once and in order (no gap, no duplicate). A slow reader never loses events: when it falls
/// behind the live buffer it catches up from the log. Disposing it detaches the client (see <see cref="StreamOptions.Attach"/>).
/// </summary>
public interface ISessionEventStream : IAsyncDisposable
{
    /// <summary>The events, until the session is deleted, the silo stops, or <paramref name="cancellationToken"/> fires.</summary>
    IAsyncEnumerable<SessionEventEnvelope> ReadAllAsync(CancellationToken cancellationToken = default);
}
