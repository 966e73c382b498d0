using Duragent.Agents;
using Duragent.Sessions.Events;

namespace Duragent.Sessions;

// Idle expiry (ttl_hours) on a durable wake-up.
public sealed partial class SessionGrain
{
    /// <summary>Plans the idle expiry (<c>ttl_hours</c>) of the session: one durable reminder, moved after each turn.</summary>
    private async Task ScheduleExpiryAsync()
    {
        if (await TtlAsync() is not { } ttl)
        {
            await Wakeups.CancelAsync(TtlReminder);
            return;
        }

        await Wakeups.AtAsync(TtlReminder, State.UpdatedAt + ttl);
    }

    private async Task ExpireIfIdleAsync()
    {
        if (!State.Exists || State.Status == SessionStatus.Completed || await TtlAsync() is not { } ttl)
        {
            await Wakeups.CancelAsync(TtlReminder);
            return;
        }

        var idleUntil = State.UpdatedAt + ttl;
        if (State.Status == SessionStatus.Running || IsWorkRunning || _attached > 0 || _clock.GetUtcNow() < idleUntil)
        {
            // Still in use, or used since the reminder was planned: look again one TTL after the last activity.
            await Wakeups.AtAsync(TtlReminder, Max(idleUntil, _clock.GetUtcNow() + (ttl < SessionWakeups.Period ? ttl : SessionWakeups.Period)));
            return;
        }

        await EnsureHistoryAsync();
        var events = new List<SessionEvent>();
        if (State.Turn is { } parked)
        {
            foreach (var call in parked.Calls.Where(c => !c.IsDone))
            {
                events.Add(new ToolFinished(parked.TurnId, call.CallId, call.Tool, ToolOutcome.Skipped, "Skipped: the session expired."));
            }

            EndTurn(events, TurnOutcome.Cancelled, null, "the session expired", sessionEnds: true);
        }

        events.Add(new StatusChanged(State.Status, SessionStatus.Completed, $"expired after {Describe(ttl)} without activity"));
        await RecordAsync(events);
        await Wakeups.CancelAsync(ApprovalReminder);
        await Wakeups.CancelAsync(TtlReminder);
        LogExpired(_logger, SessionId, Describe(ttl));
    }

    private async Task<TimeSpan?> TtlAsync()
    {
        var ttl = _options.Ttl;
        try
        {
            if ((await LoadAgentAsync(State.Agent)).Session.TtlHours is { } hours)
            {
                ttl = TimeSpan.FromHours(hours);
            }
        }
        catch (AgentNotFoundException)
        {
            // The agent is gone: the workspace default applies.
        }

        return ttl > TimeSpan.Zero ? ttl : null;
    }

    private static string Describe(TimeSpan ttl) =>
        ttl >= TimeSpan.FromHours(1) ? $"{ttl.TotalHours:0.#} hours" : $"{ttl.TotalSeconds:0.#} seconds";

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
