using Duragent.Storage;

namespace Duragent.Configuration;

/// <summary>The <c>sessions</c> section of <c>duragent.yaml</c>: session lifetime and log compaction.</summary>
public sealed record SessionsConfig
{
    /// <summary>The default time-to-live of an idle session: 168 hours (7 days).</summary>
    public const int DefaultTtlHours = 168;

    /// <summary>The default compaction: <see cref="CompactionMode.Keep"/>.</summary>
    public const CompactionMode DefaultCompaction = CompactionMode.Keep;

    /// <summary>The default snapshot interval: every 50 events.</summary>
    public const int DefaultSnapshotEveryEvents = 50;

    /// <summary>Hours without activity after which a session expires; 168 by default, 0 turns expiry off.</summary>
    public int TtlHours { get; init; } = DefaultTtlHours;

    /// <summary>
    /// What happens to the events behind a snapshot; <see cref="CompactionMode.Keep"/> by default: every event stays in
    /// the log, which is where the conversation, SSE resume (<c>Last-Event-ID</c>) and the audit trail come from, and
    /// no event is written twice (<see cref="CompactionMode.Archive"/> copies each one into the archive).
    /// </summary>
    public CompactionMode Compaction { get; init; } = DefaultCompaction;

    /// <summary>A snapshot is written after this many events (and when a turn ends or parks); 50 by default.</summary>
    public int SnapshotEveryEvents { get; init; } = DefaultSnapshotEveryEvents;
}
