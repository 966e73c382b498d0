namespace Duragent.Schedules;

/// <summary>Validation of a whole <see cref="ScheduleSpec"/>: every error is a <see cref="ScheduleInvalidException"/> naming its field.</summary>
public static class ScheduleSpecs
{
    /// <summary>The most runs of one schedule at the same time: 16.</summary>
    public const int MaxConcurrentLimit = 16;

    /// <summary>The most attempts per run: 10.</summary>
    public const int MaxAttemptsLimit = 10;

    /// <summary>The longest description: 500 characters.</summary>
    public const int MaxDescriptionLength = 500;

    /// <summary>
    /// Checks <paramref name="spec"/> and returns it with relative times resolved (<c>at: in 20m</c> becomes an absolute
    /// time) and its parsed timing. <paramref name="since"/> anchors an <c>every</c> without anchor.
    /// </summary>
    public static (ScheduleSpec Spec, ScheduleTiming Timing) Validate(ScheduleSpec spec, DateTimeOffset now, DateTimeOffset? since = null, bool allowPastAt = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (GrainKey.Check(spec.Agent) is { } agentProblem)
        {
            throw new ScheduleInvalidException("agent", agentProblem);
        }

        if (string.IsNullOrWhiteSpace(spec.Text))
        {
            throw new ScheduleInvalidException("text", "is empty; a schedule needs a message or a task to deliver");
        }

        if (spec.Text.Length > ScheduleOptions.MaxTextLength)
        {
            throw new ScheduleInvalidException("text", $"is {spec.Text.Length} characters long; at most {ScheduleOptions.MaxTextLength} are allowed");
        }

        if (!Enum.IsDefined(spec.Payload))
        {
            throw new ScheduleInvalidException("payload", "must be message or task");
        }

        if (!Enum.IsDefined(spec.CatchUp))
        {
            throw new ScheduleInvalidException("catch_up", "must be once or skip");
        }

        if (!Enum.IsDefined(spec.OnBusy))
        {
            throw new ScheduleInvalidException("on_busy", "must be wait or skip");
        }

        if (spec.Session is not null && GrainKey.Check(spec.Session) is { } sessionProblem)
        {
            throw new ScheduleInvalidException("session", sessionProblem);
        }

        if (spec.Grace is not null && DurationText.TryParse(spec.Grace, out var graceProblem) is null)
        {
            throw new ScheduleInvalidException("grace", graceProblem!);
        }

        if (spec.MaxConcurrent is < 1 or > MaxConcurrentLimit)
        {
            throw new ScheduleInvalidException("max_concurrent", $"is {spec.MaxConcurrent}; it must be between 1 and {MaxConcurrentLimit}");
        }

        if (spec.MaxAttempts is < 1 or > MaxAttemptsLimit)
        {
            throw new ScheduleInvalidException("max_attempts", $"is {spec.MaxAttempts}; it must be between 1 and {MaxAttemptsLimit}");
        }

        if (spec.Description is { Length: > MaxDescriptionLength })
        {
            throw new ScheduleInvalidException("description", $"is {spec.Description.Length} characters long; at most {MaxDescriptionLength} are allowed");
        }

        var timing = ScheduleTiming.Parse(spec.Anchor is null && spec.Every is not null ? spec with { Anchor = since ?? now } : spec, now, allowPastAt);
        var resolved = timing.Kind == "at" && spec.At!.TrimStart().StartsWith("in", StringComparison.OrdinalIgnoreCase)
            ? spec with { At = timing.At!.Value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture) }
            : spec;
        return (resolved, timing);
    }

    /// <summary>The grace window of <paramref name="spec"/>, or <paramref name="fallback"/>.</summary>
    public static TimeSpan GraceOf(ScheduleSpec spec, TimeSpan fallback) =>
        spec.Grace is null ? fallback : DurationText.TryParse(spec.Grace, out _) ?? fallback;
}
