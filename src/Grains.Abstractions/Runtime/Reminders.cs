namespace Duragent.Runtime;

/// <summary>Implemented by grains that receive durable reminders.</summary>
public interface IRemindable
{
    /// <summary>
    /// A reminder is due. Delivered as an ordinary (non-interleaving) turn, activating the grain if needed.
    /// Handlers must be idempotent: a tick may be delivered again after a crash before it was recorded.
    /// </summary>
    Task ReceiveReminderAsync(string reminderName, TickStatus status);
}

/// <summary>What the runtime knows about one reminder tick.</summary>
/// <param name="FirstTickTime">The reminder's anchor: ticks fall on <c>FirstTickTime + n × Period</c>.</param>
/// <param name="Period">The period; <see cref="TimeSpan.Zero"/> for a one-shot reminder.</param>
/// <param name="CurrentTickTime">The slot this tick belongs to.</param>
/// <param name="MissedTicks">Slots that passed without delivery (for example while the process was down) and were folded into this tick or skipped.</param>
public readonly record struct TickStatus(DateTimeOffset FirstTickTime, TimeSpan Period, DateTimeOffset CurrentTickTime, int MissedTicks);

/// <summary>What to do with ticks whose slot passed while nothing could deliver them (process down, grain busy).</summary>
public enum MissedTickPolicy
{
    /// <summary>Drop the missed slots (logged) and wait for the next future slot.</summary>
    Skip = 0,

    /// <summary>Deliver one tick at once for all missed slots (with <see cref="TickStatus.MissedTicks"/> set), then continue on schedule.</summary>
    FireOnce = 1,
}

/// <summary>A grain's registered reminder.</summary>
public sealed record ReminderInfo(string Name, DateTimeOffset StartAt, TimeSpan Period, MissedTickPolicy MissedTickPolicy, DateTimeOffset? LastTickAt);

/// <summary>Durable reminders of one grain.</summary>
public interface IGrainReminders
{
    /// <summary>
    /// Registers or replaces the reminder <paramref name="name"/>. Ticks fall on <c>startAt + n × period</c>;
    /// a <paramref name="period"/> of <see cref="TimeSpan.Zero"/> makes a one-shot reminder that is removed after
    /// its tick is delivered. Returns when the row is durable.
    /// </summary>
    Task RegisterOrUpdateAsync(string name, DateTimeOffset startAt, TimeSpan period, MissedTickPolicy missedTickPolicy, CancellationToken cancellationToken = default);

    /// <summary>Removes the reminder. Returns false when it did not exist.</summary>
    Task<bool> UnregisterAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The reminders registered for this grain.</summary>
    Task<IReadOnlyList<ReminderInfo>> GetAllAsync(CancellationToken cancellationToken = default);
}
