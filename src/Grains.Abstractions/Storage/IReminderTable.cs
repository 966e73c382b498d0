using Duragent.Runtime;

namespace Duragent.Storage;

/// <summary>A durable reminder row.</summary>
/// <param name="GrainId">The grain to remind.</param>
/// <param name="Name">The reminder's name, unique per grain.</param>
/// <param name="StartAt">The anchor: ticks fall on <c>StartAt + n × Period</c>.</param>
/// <param name="Period">The period; <see cref="TimeSpan.Zero"/> for a one-shot reminder.</param>
/// <param name="MissedTickPolicy">What to do with slots that passed undelivered.</param>
/// <param name="LastTickAt">The slot of the last delivered tick, if any.</param>
/// <param name="NextDueAt">The next slot to deliver (kept in the row so that due rows can be queried).</param>
/// <param name="ETag">Opaque version, set by the table.</param>
public sealed record ReminderEntry(
    GrainId GrainId,
    string Name,
    DateTimeOffset StartAt,
    TimeSpan Period,
    MissedTickPolicy MissedTickPolicy,
    DateTimeOffset? LastTickAt,
    DateTimeOffset NextDueAt,
    string? ETag = null);

/// <summary>
/// Durable storage of reminder rows, versioned per row (the shape of Orleans' IReminderTable).
/// </summary>
public interface IReminderTable
{
    /// <summary>Every row.</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Rows whose <see cref="ReminderEntry.NextDueAt"/> is at or before <paramref name="dueBy"/>.</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadDueAsync(DateTimeOffset dueBy, CancellationToken cancellationToken = default);

    /// <summary>The rows of one grain.</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadRowsAsync(GrainId grainId, CancellationToken cancellationToken = default);

    /// <summary>One row, or null.</summary>
    Task<ReminderEntry?> ReadRowAsync(GrainId grainId, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts or replaces a row and returns its new ETag. With a non-null <see cref="ReminderEntry.ETag"/> the write is
    /// conditional on it (a stale one throws <see cref="InconsistentStateException"/>); with null it is unconditional.
    /// </summary>
    Task<string> UpsertRowAsync(ReminderEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a row; conditional on <paramref name="eTag"/> when it is not null. Returns false when the row did not
    /// exist or the ETag did not match.
    /// </summary>
    Task<bool> RemoveRowAsync(GrainId grainId, string name, string? eTag, CancellationToken cancellationToken = default);
}
