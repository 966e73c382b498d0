using Duragent.Storage;

namespace Duragent.Sessions;

/// <summary>Options of the session grains.</summary>
public sealed class SessionOptions
{
    /// <summary>Default of <see cref="SnapshotEveryEvents"/>: 50.</summary>
    public const int DefaultSnapshotEveryEvents = 50;

    /// <summary>Default of <see cref="MaxLlmAttempts"/>: 3.</summary>
    public const int DefaultMaxLlmAttempts = 3;

    /// <summary>
    /// Write the <c>state.yaml</c> snapshot after this many events (50 by default); it is also written when the session
    /// comes to rest (a turn ends or parks) and when it deactivates. A snapshot holds what resuming needs, not the
    /// conversation, so it costs the same whatever the length of the history.
    /// </summary>
    public int SnapshotEveryEvents { get; set; } = DefaultSnapshotEveryEvents;

    /// <summary>
    /// What happens to events behind a snapshot when the agent does not say (<see cref="CompactionMode.Keep"/> by
    /// default: the log keeps every event, so the history, SSE resume and the audit trail cover the whole session).
    /// </summary>
    public CompactionMode Compaction { get; set; } = CompactionMode.Keep;

    /// <summary>
    /// How often one LLM call is issued before the turn fails (3 by default). A call is issued again when its stream
    /// broke after it started, or when the silo stopped during it; retries of rate limits and 5xx answers happen
    /// inside each attempt.
    /// </summary>
    public int MaxLlmAttempts { get; set; } = DefaultMaxLlmAttempts;

    /// <summary>Default of <see cref="Ttl"/>: 168 hours (a week).</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(168);

    /// <summary>
    /// A session idle this long (no turn running, no client attached) expires: its status becomes <c>completed</c>
    /// and its files stay. 168 hours by default (<c>sessions.ttl_hours</c>); an agent's <c>session.ttl_hours</c>
    /// overrides it; <see cref="TimeSpan.Zero"/> turns expiry off.
    /// </summary>
    public TimeSpan Ttl { get; set; } = DefaultTtl;

    /// <summary>The workspace's <c>policy.yaml</c>, merged under each agent's policy files; null when none.</summary>
    public string? WorkspacePolicyFile { get; set; }

    /// <summary>Default of <see cref="StreamSeqReservation"/>: 256.</summary>
    public const int DefaultStreamSeqReservation = 256;

    /// <summary>
    /// While an LLM call streams, how many sequence numbers ahead the session reserves in its log (256 by default), so
    /// that text deltas can go to live readers before they are durable: the log never gives a reserved seq to another
    /// event after a restart, so a seq a reader saw stays that delta's. The reservation is renewed when half of it is
    /// used. A crash during a stream skips at most this many seqs (docs/sessions.md#live-streams).
    /// </summary>
    public int StreamSeqReservation { get; set; } = DefaultStreamSeqReservation;

    /// <summary>How long a deactivating session waits for its running LLM call or tool to stop (5 seconds by default).</summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws when a value is out of range, naming the option.</summary>
    public void Validate()
    {
        if (SnapshotEveryEvents < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SnapshotEveryEvents), SnapshotEveryEvents, "Sessions: snapshot_every_events must be at least 1.");
        }

        if (Ttl < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Ttl), Ttl, "Sessions: ttl_hours must not be negative.");
        }

        if (StreamSeqReservation < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(StreamSeqReservation), StreamSeqReservation, "Sessions: StreamSeqReservation must be at least 2.");
        }

        if (MaxLlmAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLlmAttempts), MaxLlmAttempts, "Sessions: MaxLlmAttempts must be at least 1.");
        }
    }
}
