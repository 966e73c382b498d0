using Orleans.Runtime;

namespace Duragent.Storage;

/// <summary>An event to append: its type, its time and its payload (a UTF-8 JSON object of the event's own fields).</summary>
/// <remarks>
/// The payload must be a JSON object (empty for an event without fields of its own) and must not contain the envelope
/// fields <c>seq</c>, <c>ts</c> or <c>type</c>, nor <c>batch</c> or <c>compacted_through</c> (reserved by the file
/// format). Providers reject anything else with <see cref="ArgumentException"/>.
/// </remarks>
public readonly record struct EventToAppend(string Type, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Payload);

/// <summary>
/// A stored event. <see cref="Json"/> is the event as one JSON object (envelope, then payload), UTF-8:
/// <c>{"seq":12,"ts":"2026-11-21T10:00:00.000Z","type":"user_message",…}</c>. It carries nothing else: whatever a
/// provider adds to its own format (the file provider's batch markers) is left out, so an event reads back as it was
/// appended.
/// </summary>
[GenerateSerializer]
[Alias("duragent.stored-event")]
public readonly record struct StoredEvent(
    [Id(0)] long Seq,
    [Id(1)] DateTimeOffset Timestamp,
    [Id(2)] string Type,
    [Id(3)] ReadOnlyMemory<byte> Json);

/// <summary>Where a log stands.</summary>
/// <param name="FirstSeq">The first sequence number still readable (1 when nothing was discarded; equal to <paramref name="NextSeq"/> when empty).</param>
/// <param name="NextSeq">The sequence number the next appended event gets (1 for a new log).</param>
public readonly record struct EventLogInfo(long FirstSeq, long NextSeq)
{
    public long LastSeq => NextSeq - 1;
}

/// <summary>What compaction does with events behind a snapshot.</summary>
[GenerateSerializer]
[Alias("duragent.compaction-mode")]
public enum CompactionMode
{
    /// <summary>Leave the log as it is.</summary>
    Keep = 0,

    /// <summary>Move the events to an archive that stays readable.</summary>
    Archive = 1,

    /// <summary>Delete the events for good.</summary>
    Discard = 2,
}

/// <summary>
/// An append-only, per-grain event log with strictly increasing sequence numbers starting at 1.
/// </summary>
/// <remarks>
/// Obligations of every provider (checked by the storage contract tests):
/// <list type="bullet">
/// <item>An append is acknowledged (its task completes) only after it is durable (fsynced).</item>
/// <item>An append carries the sequence number its first event must get; any other value throws
/// <see cref="InconsistentStateException"/> and stores nothing. That is the fence against a stale activation.</item>
/// <item>A batch is atomic: after a crash either all of its events are readable or none.</item>
/// <item>Reads return events in sequence order, each exactly once.</item>
/// </list>
/// </remarks>
public interface IEventLogStorage
{
    /// <summary>The first readable and the next sequence number of the log.</summary>
    Task<EventLogInfo> GetInfoAsync(GrainId grainId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends <paramref name="events"/>; the first gets <paramref name="expectedNextSeq"/>, the others follow.
    /// Returns the next sequence number after the batch. Cancellation is honoured only until the batch is handed to
    /// the writer; after that the append completes (or fails) regardless.
    /// </summary>
    Task<long> AppendAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default);

    /// <summary>Events with <c>seq ≥ fromSeq</c>, in order, including archived ones where the provider keeps them.</summary>
    IAsyncEnumerable<StoredEvent> ReadAsync(GrainId grainId, long fromSeq, CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops (or archives) every event with <c>seq ≤ throughSeq</c> from the live log. Used behind a snapshot.
    /// <see cref="CompactionMode.Keep"/> does nothing.
    /// </summary>
    Task CompactAsync(GrainId grainId, long throughSeq, CompactionMode mode, CancellationToken cancellationToken = default);

    /// <summary>Deletes the whole log, archive included.</summary>
    Task DeleteAsync(GrainId grainId, CancellationToken cancellationToken = default);
}
