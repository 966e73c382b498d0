namespace Duragent.Runtime;

/// <summary>
/// The time math of reminders, as pure functions. Ticks ("slots") fall on <c>start + n × period</c> for n ≥ 0; a
/// period of zero means a single slot at <c>start</c>. Results are in UTC; null means "no such slot" (a one-shot
/// reminder past its slot, or a slot beyond <see cref="DateTimeOffset.MaxValue"/>).
/// </summary>
internal static class ReminderSchedule
{
    /// <summary>The first slot at or after <paramref name="time"/>.</summary>
    public static DateTimeOffset? NextTickAtOrAfter(DateTimeOffset start, TimeSpan period, DateTimeOffset time)
    {
        CheckPeriod(period);
        if (time <= start)
        {
            return Utc(start);
        }

        if (period == TimeSpan.Zero)
        {
            return null;
        }

        var elapsed = time.UtcTicks - start.UtcTicks;
        var n = elapsed / period.Ticks;
        if (elapsed % period.Ticks != 0)
        {
            n++;
        }

        return Slot(start, period, n);
    }

    /// <summary>The first slot strictly after <paramref name="time"/>.</summary>
    public static DateTimeOffset? NextTickAfter(DateTimeOffset start, TimeSpan period, DateTimeOffset time)
    {
        CheckPeriod(period);
        if (time < start)
        {
            return Utc(start);
        }

        if (period == TimeSpan.Zero)
        {
            return null;
        }

        return Slot(start, period, ((time.UtcTicks - start.UtcTicks) / period.Ticks) + 1);
    }

    /// <summary>The last slot at or before <paramref name="time"/>.</summary>
    public static DateTimeOffset? LatestTickAtOrBefore(DateTimeOffset start, TimeSpan period, DateTimeOffset time)
    {
        CheckPeriod(period);
        if (time < start)
        {
            return null;
        }

        if (period == TimeSpan.Zero)
        {
            return Utc(start);
        }

        return Slot(start, period, (time.UtcTicks - start.UtcTicks) / period.Ticks);
    }

    /// <summary>How many slots fall in [<paramref name="from"/>, <paramref name="now"/>): those that passed undelivered.</summary>
    public static long MissedSlots(DateTimeOffset start, TimeSpan period, DateTimeOffset from, DateTimeOffset now)
    {
        var first = NextTickAtOrAfter(start, period, from);
        if (first is not { } firstSlot || firstSlot >= now)
        {
            return 0;
        }

        if (period == TimeSpan.Zero)
        {
            return 1;
        }

        return ((now.UtcTicks - 1 - firstSlot.UtcTicks) / period.Ticks) + 1;
    }

    /// <summary>
    /// Decides the next delivery of a reminder whose first undelivered slot is <paramref name="candidate"/>, at
    /// <paramref name="now"/>. A slot at or after now is on time. Slots before now were missed (the process was down or a
    /// delivery ran long): <see cref="MissedTickPolicy.Skip"/> waits for the next slot at or after now and reports the
    /// skipped count with it; <see cref="MissedTickPolicy.FireOnce"/> delivers one tick at once for the latest missed
    /// slot, carrying the count. A late one-shot reminder always fires once (there is no later slot to wait for).
    /// Returns null when no later slot exists.
    /// </summary>
    public static ReminderPlan? Plan(DateTimeOffset start, TimeSpan period, MissedTickPolicy policy, DateTimeOffset candidate, DateTimeOffset now)
    {
        CheckPeriod(period);
        candidate = Utc(candidate);
        if (candidate >= now)
        {
            return new ReminderPlan(candidate, candidate, 0, candidate, ReminderPlanKind.OnTime);
        }

        if (period == TimeSpan.Zero)
        {
            return new ReminderPlan(Utc(now), candidate, 1, candidate, ReminderPlanKind.CatchUp);
        }

        var missed = MissedSlots(start, period, candidate, now);
        if (policy == MissedTickPolicy.Skip)
        {
            return NextTickAtOrAfter(start, period, now) is { } next
                ? new ReminderPlan(next, next, missed, next, ReminderPlanKind.Skipped)
                : null;
        }

        var latest = LatestTickAtOrBefore(start, period, now.AddTicks(-1)) ?? candidate;
        return new ReminderPlan(Utc(now), latest, missed, candidate, ReminderPlanKind.CatchUp);
    }

    private static DateTimeOffset? Slot(DateTimeOffset start, TimeSpan period, long n)
    {
        var maxTicks = DateTimeOffset.MaxValue.UtcTicks;
        if (n > (maxTicks - start.UtcTicks) / period.Ticks)
        {
            return null;
        }

        return new DateTimeOffset(start.UtcTicks + (n * period.Ticks), TimeSpan.Zero);
    }

    private static DateTimeOffset Utc(DateTimeOffset time) => time.ToUniversalTime();

    private static void CheckPeriod(TimeSpan period)
    {
        if (period < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "A reminder period must be zero (one-shot) or positive.");
        }
    }
}

/// <summary>What <see cref="ReminderSchedule.Plan"/> decided.</summary>
internal enum ReminderPlanKind
{
    /// <summary>The slot lies ahead (or is now): deliver it when due.</summary>
    OnTime,

    /// <summary>Missed slots: one tick is delivered at once, for the latest of them.</summary>
    CatchUp,

    /// <summary>Missed slots were dropped; the next tick is the next slot at or after now.</summary>
    Skipped,
}

/// <summary>The next delivery of a reminder.</summary>
/// <param name="DueAt">When to deliver.</param>
/// <param name="Slot">The slot the tick stands for (<see cref="TickStatus.CurrentTickTime"/>).</param>
/// <param name="MissedTicks">Slots that passed without an on-time delivery (<see cref="TickStatus.MissedTicks"/>).</param>
/// <param name="NextDueAt">What to persist as the row's next due slot: the first slot neither delivered nor deliberately skipped.</param>
/// <param name="Kind">On time, catch-up or skipped.</param>
internal readonly record struct ReminderPlan(DateTimeOffset DueAt, DateTimeOffset Slot, long MissedTicks, DateTimeOffset NextDueAt, ReminderPlanKind Kind);
