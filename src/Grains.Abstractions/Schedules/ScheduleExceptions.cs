namespace Duragent.Schedules;

// Orleans-serialized like the session exceptions (see SessionExceptions.cs): field ids are per class; never renumber.

/// <summary>Base of the errors a schedule reports to callers; <see cref="Code"/> is stable (used in problem+json types).</summary>
[GenerateSerializer]
[Alias("duragent.schedule-exception")]
public abstract class ScheduleException : Exception
{
    protected ScheduleException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>A stable, machine-readable code, e.g. <c>schedule_not_found</c>.</summary>
    [Id(0)]
    public string Code { get; }
}

/// <summary>No schedule with that id exists (never created, or deleted).</summary>
[GenerateSerializer]
[Alias("duragent.schedule-not-found-exception")]
public sealed class ScheduleNotFoundException(string scheduleId)
    : ScheduleException("schedule_not_found", $"Schedule '{scheduleId}' does not exist.")
{
    [Id(0)]
    public string ScheduleId { get; } = scheduleId;
}

/// <summary>The request does not fit the schedule's state (it exists already; run now while at its concurrency cap).</summary>
[GenerateSerializer]
[Alias("duragent.schedule-state-exception")]
public sealed class ScheduleStateException(string message)
    : ScheduleException("schedule_conflict", message);

/// <summary>The schedule is invalid; <see cref="Field"/> names the offending field (<c>cron</c>, <c>at</c>, <c>time_zone</c>…).</summary>
[GenerateSerializer]
[Alias("duragent.schedule-invalid-exception")]
public sealed class ScheduleInvalidException(string field, string problem)
    : ScheduleException("invalid_schedule", $"{field}: {problem}")
{
    /// <summary>The field in snake_case, as written in YAML and JSON.</summary>
    [Id(0)]
    public string Field { get; } = field;

    /// <summary>The problem, without the field name.</summary>
    [Id(1)]
    public string Problem { get; } = problem;
}
