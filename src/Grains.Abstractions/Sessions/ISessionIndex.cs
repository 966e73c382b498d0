namespace Duragent.Sessions;

/// <summary>
/// A summary of every stored session, for listing (<c>GET /api/v1/sessions</c>, <c>duragent session list</c>).
/// Sessions update it when their status changes; the first listing after start reads the stored snapshots.
/// </summary>
public interface ISessionIndex
{
    /// <summary>Every session that exists, newest first.</summary>
    Task<IReadOnlyList<SessionInfo>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Records the current summary of a session.</summary>
    void Update(SessionInfo info);

    /// <summary>Forgets a deleted session.</summary>
    void Remove(string sessionId);
}
