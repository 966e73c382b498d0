namespace Duragent.Schedules;

/// <summary>
/// The persisted state of a schedule (<c>schedules/&lt;id&gt;/state.yaml</c>): its definition, the next slot, and the
/// run history, in which a run recorded as <see cref="ScheduleRunStatus.Running"/> is a slot started and not yet
/// finished. Mutable classes with setters: the file provider reads and writes them as YAML.
/// </summary>
public sealed class ScheduleState
{
    /// <summary>The state format version: 1.</summary>
    public int SchemaVersion { get; set; } = 1;

    public bool Exists { get; set; }

    public ScheduleDefinition Definition { get; set; } = new();

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the timing was last set: the anchor of an <c>every</c> without one.</summary>
    public DateTimeOffset TimingSince { get; set; }

    public bool Paused { get; set; }

    /// <summary>A one-shot that has fired or been skipped.</summary>
    public bool Done { get; set; }

    /// <summary>The next slot not yet fired nor skipped; null when paused or done.</summary>
    public DateTimeOffset? NextSlot { get; set; }

    /// <summary>A slot that found the schedule at its concurrency cap and waits for a run to finish (<c>on_busy: wait</c>).</summary>
    public DateTimeOffset? WaitingSlot { get; set; }

    /// <summary>Runs and skip records, oldest first.</summary>
    public List<RunRecord> Runs { get; set; } = [];
}

/// <summary>The stored form of a <see cref="ScheduleSpec"/>.</summary>
public sealed class ScheduleDefinition
{
    public string Agent { get; set; } = string.Empty;

    public string Text { get; set; } = string.Empty;

    public SchedulePayload Payload { get; set; }

    public string? At { get; set; }

    public string? Every { get; set; }

    public string? Cron { get; set; }

    public string? TimeZone { get; set; }

    public DateTimeOffset? Anchor { get; set; }

    public string? Session { get; set; }

    public CatchUpPolicy CatchUp { get; set; }

    public string? Grace { get; set; }

    public int MaxConcurrent { get; set; } = 1;

    public BusyPolicy OnBusy { get; set; }

    public int MaxAttempts { get; set; } = 3;

    public string? Description { get; set; }

    public string? Source { get; set; }

    public static ScheduleDefinition From(ScheduleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new()
        {
            Agent = spec.Agent,
            Text = spec.Text,
            Payload = spec.Payload,
            At = spec.At,
            Every = spec.Every,
            Cron = spec.Cron,
            TimeZone = spec.TimeZone,
            Anchor = spec.Anchor,
            Session = spec.Session,
            CatchUp = spec.CatchUp,
            Grace = spec.Grace,
            MaxConcurrent = spec.MaxConcurrent,
            OnBusy = spec.OnBusy,
            MaxAttempts = spec.MaxAttempts,
            Description = spec.Description,
            Source = spec.Source,
        };
    }

    public ScheduleSpec ToSpec() =>
        new(Agent, Text, Payload, At, Every, Cron, TimeZone, Anchor, Session, CatchUp, Grace, MaxConcurrent, OnBusy, MaxAttempts, Description, Source);
}

/// <summary>The stored form of a <see cref="ScheduleRun"/>, plus what redelivery needs.</summary>
public sealed class RunRecord
{
    public string RunId { get; set; } = string.Empty;

    public DateTimeOffset Slot { get; set; }

    public ScheduleRunStatus Status { get; set; }

    /// <summary>Attempts started; a retry after a failure is a new attempt, a redelivery after a crash is not.</summary>
    public int Attempts { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public string? SessionId { get; set; }

    public string? Detail { get; set; }

    public bool Manual { get; set; }

    public int SkippedSlots { get; set; }

    public DateTimeOffset? LastSlot { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>Deliveries of the current attempt cut short by a crash or a deactivation and made again.</summary>
    public int Redeliveries { get; set; }

    public ScheduleRun ToRun() =>
        new(RunId, Slot, Status, Attempts, StartedAt, FinishedAt, SessionId, Detail, Manual, SkippedSlots, LastSlot, NextAttemptAt);
}
