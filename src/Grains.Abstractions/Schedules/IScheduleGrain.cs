using Orleans.Concurrency;

namespace Duragent.Schedules;

/// <summary>
/// One schedule: a one-shot, interval or cron job that delivers a message or a task to an agent's session. Key: the
/// schedule id (<c>sched_&lt;ULID&gt;</c>, or any valid <see cref="GrainKey"/>). The grain type is <c>schedule</c>.
/// </summary>
/// <remarks>
/// Each slot fires at most once: the grain records "slot started" durably before delivering and "slot finished" after;
/// a delivery interrupted by a crash is repeated with the same idempotency key, which the session recognises.
/// </remarks>
[Alias("duragent.schedule")]
public interface IScheduleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the schedule. Throws <see cref="ScheduleInvalidException"/> (naming the field) for a bad schedule,
    /// <see cref="Duragent.Sessions.AgentNotFoundException"/> for an unknown agent and <see cref="ScheduleStateException"/>
    /// when it exists already.
    /// </summary>
    Task<ScheduleInfo> CreateAsync(ScheduleSpec spec);

    /// <summary>Replaces the schedule's definition; the next slot is computed again from now. Throws like <see cref="CreateAsync"/>.</summary>
    Task<ScheduleInfo> UpdateAsync(ScheduleSpec spec);

    /// <summary>Creates the schedule or updates it when <paramref name="spec"/> differs; returns null when it was already so (static schedules).</summary>
    Task<ScheduleInfo?> ApplyAsync(ScheduleSpec spec);

    /// <summary>The schedule, or null when it does not exist.</summary>
    [AlwaysInterleave]
    Task<ScheduleInfo?> GetAsync();

    /// <summary>Stops firing; slots that fall due while paused are not run (and not caught up on resume).</summary>
    Task<ScheduleInfo> PauseAsync();

    /// <summary>Fires again from the next slot after now.</summary>
    Task<ScheduleInfo> ResumeAsync();

    /// <summary>Deletes the schedule, its reminder and its history. Runs already delivered are not undone.</summary>
    Task DeleteAsync();

    /// <summary>Starts a run now, outside the cadence. Throws <see cref="ScheduleStateException"/> when the schedule is at its concurrency cap.</summary>
    Task<ScheduleRun> RunNowAsync();

    /// <summary>The run history, newest first (at most <paramref name="limit"/>).</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<ScheduleRun>> GetRunsAsync(int limit);
}
