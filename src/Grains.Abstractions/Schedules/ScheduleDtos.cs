namespace Duragent.Schedules;

// Requests and replies of IScheduleGrain. They are also the bodies of the HTTP API (snake_case JSON).
// Orleans field ids ([Id(n)] on the primary-constructor parameters) are the wire schema between silo and clients:
// never renumber or reuse one; a new parameter takes the next free id.

/// <summary>What a schedule delivers at each slot.</summary>
[GenerateSerializer]
[Alias("duragent.schedule-payload")]
public enum SchedulePayload
{
    /// <summary>A user message to the target session; the run is done once the session has stored it.</summary>
    Message = 0,

    /// <summary>A task: the text starts a turn of the agent loop; the run is done when that turn ends (ok) or fails (failed).</summary>
    Task = 1,
}

/// <summary>What happens to slots that fell due while the schedule could not fire (the silo was down).</summary>
[GenerateSerializer]
[Alias("duragent.schedule-catch-up")]
public enum CatchUpPolicy
{
    /// <summary>The latest missed slot fires once if it is within the grace window; older missed slots are recorded as skipped.</summary>
    Once = 0,

    /// <summary>Every missed slot is recorded as skipped; the schedule waits for its next slot.</summary>
    Skip = 1,
}

/// <summary>What a slot does when the schedule already runs <see cref="ScheduleSpec.MaxConcurrent"/> runs.</summary>
[GenerateSerializer]
[Alias("duragent.schedule-busy-policy")]
public enum BusyPolicy
{
    /// <summary>The slot waits for a run to finish, then fires (at most one slot waits; later ones are skipped).</summary>
    Wait = 0,

    /// <summary>The slot is recorded as skipped.</summary>
    Skip = 1,
}

/// <summary>The state of one run (one slot) of a schedule.</summary>
[GenerateSerializer]
[Alias("duragent.schedule-run-status")]
public enum ScheduleRunStatus
{
    /// <summary>Recorded as started, not yet finished (delivering, waiting for a task's turn, or waiting to retry).</summary>
    Running = 0,

    /// <summary>Delivered (message) or the turn ended (task).</summary>
    Ok = 1,

    /// <summary>Every attempt failed; <see cref="ScheduleRun.Detail"/> says why.</summary>
    Failed = 2,

    /// <summary>The slot did not fire; <see cref="ScheduleRun.Detail"/> gives the reason.</summary>
    Skipped = 3,
}

/// <summary>
/// A schedule: when (exactly one of <paramref name="At"/>, <paramref name="Every"/>, <paramref name="Cron"/>), what
/// (<paramref name="Text"/> as a <paramref name="Payload"/>) and where (<paramref name="Agent"/>, <paramref name="Session"/>).
/// </summary>
/// <param name="Agent">The agent the schedule belongs to; runs go to its sessions.</param>
/// <param name="Text">The message or the task prompt.</param>
/// <param name="Payload"><c>message</c> or <c>task</c>.</param>
/// <param name="At">One-shot: RFC 3339 time with offset (<c>2026-12-03T18:00:00+01:00</c>) or relative (<c>in 20m</c>).</param>
/// <param name="Every">Interval (<c>30s</c>, <c>15m</c>, <c>1h30m</c>, <c>2d</c>), at least one second; slots are <paramref name="Anchor"/> + k × interval.</param>
/// <param name="Cron">5-field (minute first) or 6-field (second first) cron expression, read in <paramref name="TimeZone"/>.</param>
/// <param name="TimeZone">IANA time zone of <paramref name="Cron"/> (and of an <paramref name="At"/> without offset); UTC by default.</param>
/// <param name="Anchor">The first slot of <paramref name="Every"/>; the creation time by default.</param>
/// <param name="Session">The target session: an existing session of <paramref name="Agent"/>, or a name for one the first run creates. Null: a fresh session per run.</param>
/// <param name="CatchUp">Missed slots: <c>once</c> (default) or <c>skip</c>.</param>
/// <param name="Grace">How late a missed slot may still fire under <c>catch_up: once</c> (duration text); 1 hour by default.</param>
/// <param name="MaxConcurrent">Runs of this schedule at the same time (retries included); 1 by default.</param>
/// <param name="OnBusy">A slot that finds <paramref name="MaxConcurrent"/> runs: <c>wait</c> (default) or <c>skip</c>.</param>
/// <param name="MaxAttempts">Attempts per run before it is recorded as failed (exponential backoff with jitter between them); 3 by default.</param>
/// <param name="Source">Who declared it: <c>api</c>, <c>tool</c>, <c>config</c>.</param>
[GenerateSerializer]
[Alias("duragent.schedule-spec")]
public sealed record ScheduleSpec(
    [Id(0)] string Agent,
    [Id(1)] string Text,
    [Id(2)] SchedulePayload Payload = SchedulePayload.Message,
    [Id(3)] string? At = null,
    [Id(4)] string? Every = null,
    [Id(5)] string? Cron = null,
    [Id(6)] string? TimeZone = null,
    [Id(7)] DateTimeOffset? Anchor = null,
    [Id(8)] string? Session = null,
    [Id(9)] CatchUpPolicy CatchUp = CatchUpPolicy.Once,
    [Id(10)] string? Grace = null,
    [Id(11)] int MaxConcurrent = 1,
    [Id(12)] BusyPolicy OnBusy = BusyPolicy.Wait,
    [Id(13)] int MaxAttempts = 3,
    [Id(14)] string? Description = null,
    [Id(15)] string? Source = null);

/// <summary>One run of a schedule, or a record of slots that did not fire.</summary>
/// <param name="RunId">Stable id of the run: derived from the schedule and the slot, so a redelivery after a crash is recognised.</param>
/// <param name="Slot">The occurrence the run is for (for a skip record: the first skipped slot).</param>
/// <param name="Attempts">Delivery attempts made so far.</param>
/// <param name="SessionId">The session the run went to.</param>
/// <param name="Detail">Why it failed or was skipped, or how a task's turn ended.</param>
/// <param name="Manual">Started by "run now", not by the clock.</param>
/// <param name="SkippedSlots">For a skip record: how many slots it stands for (from <paramref name="Slot"/> to <paramref name="LastSlot"/>).</param>
/// <param name="NextAttemptAt">For a run waiting to retry: when.</param>
[GenerateSerializer]
[Alias("duragent.schedule-run")]
public sealed record ScheduleRun(
    [Id(0)] string RunId,
    [Id(1)] DateTimeOffset Slot,
    [Id(2)] ScheduleRunStatus Status,
    [Id(3)] int Attempts = 0,
    [Id(4)] DateTimeOffset? StartedAt = null,
    [Id(5)] DateTimeOffset? FinishedAt = null,
    [Id(6)] string? SessionId = null,
    [Id(7)] string? Detail = null,
    [Id(8)] bool Manual = false,
    [Id(9)] int SkippedSlots = 0,
    [Id(10)] DateTimeOffset? LastSlot = null,
    [Id(11)] DateTimeOffset? NextAttemptAt = null);

/// <summary>A schedule as clients see it.</summary>
/// <param name="Kind"><c>at</c>, <c>every</c> or <c>cron</c>.</param>
/// <param name="NextRunAt">The next slot (null: paused, or a one-shot that has fired).</param>
/// <param name="Done">A one-shot whose slot has fired or been skipped; it stays until deleted.</param>
/// <param name="Running">Runs started and not finished.</param>
[GenerateSerializer]
[Alias("duragent.schedule-info")]
public sealed record ScheduleInfo(
    [Id(0)] string ScheduleId,
    [Id(1)] ScheduleSpec Spec,
    [Id(2)] string Kind,
    [Id(3)] bool Paused,
    [Id(4)] bool Done,
    [Id(5)] DateTimeOffset CreatedAt,
    [Id(6)] DateTimeOffset UpdatedAt,
    [Id(7)] DateTimeOffset? NextRunAt,
    [Id(8)] int Running,
    [Id(9)] ScheduleRun? LastRun = null);

/// <summary>An entry of the schedule index.</summary>
[GenerateSerializer]
[Alias("duragent.schedule-ref")]
public sealed record ScheduleRef(
    [Id(0)] string ScheduleId,
    [Id(1)] string Agent);
