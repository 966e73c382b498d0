using Duragent.Storage;

namespace Duragent.Configuration;

/// <summary>The <c>sessions</c> section of <c>duragent.yaml</c>: session lifetime and log compaction.</summary>
public sealed record SessionsConfig
{
    /// <summary>The default time-to-live of an idle session: 168 hours (7 days).</summary>
    public const int DefaultTtlHours = 168;

    /// <summary>The default compaction: <see cref="CompactionMode.Archive"/>.</summary>
    public const CompactionMode DefaultCompaction = CompactionMode.Archive;

    /// <summary>The default snapshot interval: every 50 events.</summary>
    public const int DefaultSnapshotEveryEvents = 50;

    /// <summary>Hours without activity after which a session expires; 168 by default, 0 turns expiry off.</summary>
    public int TtlHours { get; init; } = DefaultTtlHours;

    /// <summary>
    /// What happens to the events behind a snapshot; <see cref="CompactionMode.Archive"/> by default, which keeps
    /// SSE resume (<c>Last-Event-ID</c>) and the audit trail working for the whole life of a session.
    /// </summary>
    public CompactionMode Compaction { get; init; } = DefaultCompaction;

    /// <summary>A snapshot is written after this many events (and on status changes); 50 by default.</summary>
    public int SnapshotEveryEvents { get; init; } = DefaultSnapshotEveryEvents;
}
