namespace Duragent.Schedules;

/// <summary>Slots that did not fire, recorded as one entry of the run history.</summary>
public sealed record SkippedSlots(DateTimeOffset First, DateTimeOffset Last, long Count, string Reason);

/// <summary>What to do at a tick: the slot to fire (if any), the slots to record as skipped, and the next slot.</summary>
/// <param name="Fire">The slot to fire now.</param>
/// <param name="Late">True when <paramref name="Fire"/> is a missed slot caught up (later than the on-time tolerance).</param>
public sealed record SlotPlan(DateTimeOffset? Fire, bool Late, IReadOnlyList<SkippedSlots> Skipped, DateTimeOffset? Next);

/// <summary>
/// The catch-up rule as a pure function. At a tick, every slot from the schedule's next slot up to now is due. Only the
/// latest one may fire: it fires when it is on time — at most <c>onTime</c> late (timers and reminders are a little
/// late under load) and not due before <c>runningSince</c> (the silo's start: a slot due while the silo was down is
/// missed however soon the silo came back) — or, under <c>catch_up: once</c>, when it is at most <c>grace</c> late. Every other due slot is a skip
/// with a reason, so a silo that was down never loses a slot silently and never fires a backlog.
/// </summary>
public static class SlotPlanner
{
    /// <summary>Plans the tick at <paramref name="now"/> for a schedule whose next unfired slot is <paramref name="due"/>.</summary>
    public static SlotPlan Plan(ScheduleTiming timing, DateTimeOffset? due, DateTimeOffset now, CatchUpPolicy catchUp, TimeSpan grace, TimeSpan onTime, DateTimeOffset? runningSince = null)
    {
        ArgumentNullException.ThrowIfNull(timing);
        if (due is null || due > now)
        {
            return new SlotPlan(null, false, [], due);
        }

        var latest = timing.Latest(now) ?? due.Value;
        if (latest < due)
        {
            latest = due.Value;
        }

        var skipped = new List<SkippedSlots>();
        var earlier = timing.Count(due.Value, latest);
        var lateness = now - latest;
        DateTimeOffset? fire = null;
        var late = false;
        if (lateness <= onTime && (runningSince is null || latest >= runningSince))
        {
            fire = latest;
        }
        else if (catchUp == CatchUpPolicy.Once && lateness <= grace)
        {
            fire = latest;
            late = true;
        }

        if (earlier > 0)
        {
            var lastEarlier = timing.Latest(latest - TimeSpan.FromTicks(1)) ?? due.Value;
            var reason = catchUp == CatchUpPolicy.Once
                ? $"missed while the schedule could not fire; catch_up once runs only the latest missed slot ({latest.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'})"
                : "missed while the schedule could not fire (catch_up: skip)";
            skipped.Add(new SkippedSlots(due.Value, lastEarlier, earlier, reason));
        }

        if (fire is null)
        {
            var reason = catchUp == CatchUpPolicy.Once
                ? $"missed by {DurationText.Format(lateness)}, beyond the grace window of {DurationText.Format(grace)} (catch_up: once)"
                : lateness <= onTime
                    ? $"due while the silo was down (catch_up: skip)"
                    : $"missed by {DurationText.Format(lateness)} (catch_up: skip)";
            skipped.Add(new SkippedSlots(latest, latest, 1, reason));
        }

        return new SlotPlan(fire, late, skipped, timing.Next(now));
    }
}
