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
/// <param name="FirstSeq">
/// The first sequence number still readable (1 when nothing was discarded; one past the discarded events after
/// compaction, which is <paramref name="NextSeq"/> when the log is empty and no reservation moved it).
/// </param>
/// <param name="NextSeq">
/// The sequence number the next appended event gets (1 for a new log). After a restart it is past every seq the log's
/// last batch reserved (<see cref="IEventLogStorage.AppendOrderedAsync"/>), so it may exceed the last event's seq + 1.
/// </param>
public readonly record struct EventLogInfo(long FirstSeq, long NextSeq)
{
    public long LastSeq => NextSeq - 1;
}

/// <summary>An append the log has ordered: its sequence numbers are fixed, but it may not be durable yet.</summary>
/// <param name="NextSeq">The next sequence number after the batch.</param>
/// <param name="Durable">
/// Completes when the batch is durable (fsynced), or faults when it could not be written; then every append ordered
/// after it faults too (with the same error), and nothing of them is readable.
/// </param>
public readonly record struct OrderedAppend(long NextSeq, Task Durable);

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
/// <item>Appends become durable in the order they were ordered; a failed append fails every one ordered after it, and
/// an append that counted on a failed one (its expected seq lies in the failed range) fails with the same error.</item>
/// <item>Sequence numbers are never reused: after a restart the next seq is past the reservation the log's last durable
/// batch carried, and reads skip the hole that leaves.</item>
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

    /// <summary>
    /// Orders <paramref name="events"/> behind every earlier append (the first gets <paramref name="expectedNextSeq"/>,
    /// the fence as for <see cref="AppendAsync"/>) and returns as soon as they are ordered; the result's
    /// <see cref="OrderedAppend.Durable"/> completes when they are durable. An ordered event may be shown (to live
    /// readers) before it is durable only when its seq is covered by a reservation: <paramref name="reserveThrough"/>
    /// (0 for none, else at least the batch's last seq) says that seqs up to it may be shown before they are durable.
    /// The reservation of the last durable batch is the one that counts: if the process stops, the log goes on after
    /// it, so a seq that was shown and then lost is never given to another event. A batch without a reservation
    /// releases it (nothing beyond the batch was shown).
    /// </summary>
    Task<OrderedAppend> AppendOrderedAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, long reserveThrough = 0, CancellationToken cancellationToken = default);

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
