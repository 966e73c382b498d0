namespace Duragent.Sessions;

/// <summary>
/// What the sessions of this silo are doing right now, for idle shutdown of auto-started servers and for metrics:
/// a session is live while a client is attached to it or a turn of it is running.
/// </summary>
public interface ISessionActivity
{
    /// <summary>Clients attached to session streams on this silo.</summary>
    int AttachedClients { get; }

    /// <summary>Turns running (not parked) on this silo.</summary>
    int RunningTurns { get; }

    /// <summary>When the last client detached or the last turn stopped running (or the silo started).</summary>
    DateTimeOffset LastActiveAt { get; }

    /// <summary>True while any client is attached or any turn runs.</summary>
    bool IsLive => AttachedClients > 0 || RunningTurns > 0;
}
