// ScheduleGrain: one schedule, as one story (why it is longer than most files): the tick that decides which slot fires,
// the durable "started" record written before delivering, the delivery with idempotency keys, the "finished" record,
// retries, and the wake-ups (a reminder as the durable backstop, a grain timer for precision while active).
using System.Security.Cryptography;
using System.Text;
using Duragent.Agents;
using Duragent.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Duragent.Schedules;

/// <summary>The schedule grain: fires each slot of one schedule exactly once into an agent's session.</summary>
/// <remarks>
/// Exactly one fire per slot: a slot is recorded as a <see cref="ScheduleRunStatus.Running"/> run (durable) before
/// anything is delivered, and as ok or failed after. A run found running by a new activation (the silo crashed or the
/// grain was deactivated between the two records) is delivered again with the same keys: the fresh session's id and
/// the message's <c>client_message_id</c> derive from the schedule and the slot, so the session recognises a delivery
/// it already stored and does not store or answer it twice. A slot is never fired from scratch twice: the next slot is
/// moved past it in the same write that records it as started.
/// </remarks>
[GrainType(GrainTypeName)]
public sealed partial class ScheduleGrain : Grain, IScheduleGrain, IScheduleRuns, IRemindable
{
    /// <summary>The grain type name: a durable identifier (reminder rows and storage paths carry it).</summary>
    public const string GrainTypeName = "schedule";

    /// <summary>The reminder that wakes the schedule at its next slot (and every minute while a run is unfinished).</summary>
    public const string SlotReminder = "slot";

    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    // Orleans timers take at most ~49 days; a slot further away is reached through daily wake-ups that arm again.
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private readonly IPersistentState<ScheduleState> _state;
    private readonly ScheduleClock _clock;
    private readonly ScheduleOptions _options;
    private readonly ILogger<ScheduleGrain> _logger;
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _deactivating = new();
    private IGrainTimer? _timer;
    private bool _timerKeepsAlive;
    private DateTimeOffset? _reminderStart;
    private ScheduleTiming? _timing;

    public ScheduleGrain(
        [PersistentState("state", SessionGrain.StorageName)] IPersistentState<ScheduleState> state,
        ScheduleClock clock,
        IOptions<ScheduleOptions> options,
        ILogger<ScheduleGrain> logger)
    {
        _state = state;
        _clock = clock;
        _options = options.Value;
        _logger = logger;
    }

    private ScheduleState State => _state.State;

    private string Id => this.GetPrimaryKeyString();

    private ScheduleTiming Timing => _timing ??= ScheduleTiming.Parse(
        State.Definition.ToSpec() is var spec && spec.Every is not null && spec.Anchor is null ? spec with { Anchor = State.TimingSince } : spec,
        State.TimingSince,
        allowPastAt: true);

    // ---------------------------------------------------------------- activation and wake-ups

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Exists)
        {
            // Whatever fell due while the grain was inactive (or the silo down) is handled by the timer's first tick.
            await ArmAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _deactivating.CancelAsync();
        _timer?.Dispose();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == SlotReminder ? TickAsync() : Task.CompletedTask;

    private Task OnTimerAsync(CancellationToken cancellationToken) => TickAsync();

    /// <summary>
    /// Moves the schedule to now: runs to deliver again (left by a crash, or due to retry), then the due slots (fired,
    /// waiting or skipped, as the catch-up and busy policies say), then a waiting slot if there is room. Every start is
    /// recorded in one durable write before anything is delivered.
    /// </summary>
    private async Task TickAsync()
    {
        if (!State.Exists)
        {
            await CancelWakeupsAsync();
            return;
        }

        var now = _clock.GetUtcNow();
        var deliver = new List<RunRecord>();
        var changed = false;
        foreach (var run in State.Runs)
        {
            if (run.Status != ScheduleRunStatus.Running || _waiting.Contains(run.RunId) || run.NextAttemptAt > now)
            {
                continue;
            }

            if (run.NextAttemptAt is not null)
            {
                run.NextAttemptAt = null;
                run.Attempts++;
            }
            else
            {
                // Started by an earlier activation and never finished: deliver again with the same keys.
                run.Redeliveries++;
                LogRedelivering(_logger, Id, run.RunId, run.Attempts);
            }

            deliver.Add(run);
            changed = true;
        }

        if (!State.Paused && State.NextSlot is { } due && due <= now)
        {
            var def = State.Definition.ToSpec();
            var plan = SlotPlanner.Plan(Timing, due, now, def.CatchUp, ScheduleSpecs.GraceOf(def, _options.DefaultGrace), _options.OnTimeTolerance, _clock.StartedAt);
            foreach (var skipped in plan.Skipped)
            {
                AddSkip(skipped.First, skipped.Last, skipped.Count, skipped.Reason, now);
                LogSkipped(_logger, Id, skipped.Count, skipped.First, skipped.Reason);
            }

            State.NextSlot = plan.Next;
            State.Done = plan.Next is null && Timing.Kind == "at";
            if (plan.Fire is { } slot)
            {
                var late = plan.Late ? $"caught up {DurationText.Format(now - slot)} late (catch_up: once)" : null;
                if (RunningCount < def.MaxConcurrent)
                {
                    deliver.Add(StartRun(slot, manual: false, now, late));
                }
                else if (def.OnBusy == BusyPolicy.Wait && State.WaitingSlot is null)
                {
                    State.WaitingSlot = slot;
                }
                else
                {
                    var reason = State.WaitingSlot is null
                        ? $"busy: {RunningCount} run(s) still running (max_concurrent {def.MaxConcurrent}, on_busy: skip)"
                        : $"busy: {RunningCount} run(s) still running and the slot of {State.WaitingSlot:yyyy-MM-dd'T'HH:mm:ss'Z'} already waiting";
                    AddSkip(slot, slot, 1, reason, now);
                }
            }

            changed = true;
        }

        if (State.WaitingSlot is { } waiting && !State.Paused && RunningCount < State.Definition.MaxConcurrent)
        {
            State.WaitingSlot = null;
            deliver.Add(StartRun(waiting, manual: false, now, $"waited {DurationText.Format(now - waiting)} for a running run to finish"));
            changed = true;
        }

        if (changed)
        {
            Trim();
            await _state.WriteStateAsync();
        }

        foreach (var run in deliver)
        {
            await DeliverAsync(run);
        }

        await ArmAsync();
    }

    private int RunningCount => State.Runs.Count(r => r.Status == ScheduleRunStatus.Running);

    private RunRecord StartRun(DateTimeOffset slot, bool manual, DateTimeOffset now, string? detail)
    {
        var run = new RunRecord
        {
            RunId = (manual ? "manual_" : "run_") + slot.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            Slot = slot,
            Status = ScheduleRunStatus.Running,
            Attempts = 1,
            StartedAt = now,
            Manual = manual,
            Detail = detail,
        };
        State.Runs.Add(run);
        LogStarted(_logger, Id, run.RunId, slot);
        return run;
    }

    private void AddSkip(DateTimeOffset first, DateTimeOffset last, long count, string reason, DateTimeOffset now) =>
        State.Runs.Add(new RunRecord
        {
            RunId = "skip_" + first.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            Slot = first,
            LastSlot = last,
            SkippedSlots = (int)Math.Min(count, int.MaxValue),
            Status = ScheduleRunStatus.Skipped,
            FinishedAt = now,
            Detail = reason,
        });

    // Retention: the newest finished records up to the limit; unfinished runs always stay.
    private void Trim()
    {
        var finished = State.Runs.Count(r => r.Status != ScheduleRunStatus.Running);
        var excess = finished - _options.HistoryLimit;
        for (var i = 0; excess > 0 && i < State.Runs.Count;)
        {
            if (State.Runs[i].Status != ScheduleRunStatus.Running)
            {
                State.Runs.RemoveAt(i);
                excess--;
            }
            else
            {
                i++;
            }
        }
    }

    // ---------------------------------------------------------------- delivery

    /// <summary>Delivers one attempt of <paramref name="run"/> (recorded as started already) and records how it went.</summary>
    private async Task DeliverAsync(RunRecord run)
    {
        var def = State.Definition;
        var attempt = run.Attempts;
        try
        {
            var sessionId = def.Session ?? FreshSessionId(run);
            var session = GrainFactory.GetGrain<ISessionGrain>(sessionId);
            var info = await session.GetInfoAsync();
            if (info is null)
            {
                try
                {
                    await session.CreateAsync(new CreateSession(def.Agent, Source: "schedule"));
                }
                catch (SessionStateException)
                {
                    // Created meanwhile (by a delivery racing this one): use it.
                }
            }
            else if (info.Agent != def.Agent)
            {
                throw new ScheduleInvalidException("session", $"session '{sessionId}' belongs to agent '{info.Agent}', not '{def.Agent}'");
            }

            run.SessionId = sessionId;
            var accepted = await session.SendMessageAsync(new SendMessage(
                def.Text,
                SenderId: "schedule:" + Id,
                SenderName: def.Description ?? Id,
                Source: "schedule",
                ClientMessageId: ClientMessageId(run)));
            if (def.Payload == SchedulePayload.Message)
            {
                Finish(run, ScheduleRunStatus.Ok, accepted.Duplicate
                    ? $"delivered (message {accepted.MessageId}, seq {accepted.Seq}; recognised by the session as already stored)"
                    : $"delivered (message {accepted.MessageId}, seq {accepted.Seq})");
            }
            else
            {
                // The turn runs in the session; its end comes back through FinishTaskRunAsync.
                WaitForTurn(run.RunId, attempt, session, accepted.Seq);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Fail(run, ex is ScheduleException or SessionException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}");
        }

        Trim();
        await _state.WriteStateAsync();
    }

    private void WaitForTurn(string runId, int attempt, ISessionGrain session, long seq)
    {
        _waiting.Add(runId);
        var self = this.AsReference<IScheduleRuns>();
        var timeout = _options.TaskTimeout;
        var deactivating = _deactivating.Token;
        _ = Task.Run(async () =>
        {
            bool ok;
            string detail;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(deactivating);
            cts.CancelAfter(timeout);
            try
            {
                var result = await session.WaitForTurnAcrossActivationsAsync(seq, cts.Token);
                (ok, detail) = result.Status switch
                {
                    SessionStatus.Failed => (false, $"the turn failed: {result.Error ?? "no detail"}"),
                    SessionStatus.AwaitingApproval => (true, $"the turn is waiting for an approval ({result.PendingApproval?.Command})"),
                    SessionStatus.Paused => (true, "the turn was paused"),
                    _ => (true, $"the turn ended ({result.Outcome?.ToString() ?? result.Status.ToString()})"),
                };
            }
            catch (OperationCanceledException) when (deactivating.IsCancellationRequested)
            {
                // The activation ends: the run stays started, and the next activation delivers it again.
                return;
            }
            catch (OperationCanceledException)
            {
                (ok, detail) = (false, $"the turn did not end within {DurationText.Format(timeout)}");
            }
            catch (Exception ex)
            {
                (ok, detail) = (false, $"waiting for the turn failed: {ex.Message}");
            }

            try
            {
                await self.FinishTaskRunAsync(runId, attempt, ok, detail);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFinishFailed(_logger, ex, Id, runId);
            }
        });
    }

    public async Task FinishTaskRunAsync(string runId, int attempt, bool ok, string detail)
    {
        _waiting.Remove(runId);
        var run = State.Runs.Find(r => r.RunId == runId);
        if (run is null || run.Status != ScheduleRunStatus.Running || run.Attempts != attempt || !State.Exists)
        {
            return;
        }

        if (ok)
        {
            Finish(run, ScheduleRunStatus.Ok, detail);
        }
        else
        {
            Fail(run, detail);
        }

        Trim();
        await _state.WriteStateAsync();
        await TickAsync();
    }

    private void Finish(RunRecord run, ScheduleRunStatus status, string detail)
    {
        run.Status = status;
        run.FinishedAt = _clock.GetUtcNow();
        run.NextAttemptAt = null;

        // The note of the start (caught up late, waited for a run) stays in front of the outcome.
        run.Detail = run.Detail is { } note && run.Attempts == 1 ? note + "; " + detail : detail;
        LogFinished(_logger, Id, run.RunId, status, detail);
    }

    private void Fail(RunRecord run, string error)
    {
        if (run.Attempts >= State.Definition.MaxAttempts)
        {
            Finish(run, ScheduleRunStatus.Failed, run.Attempts == 1 ? error : $"failed after {run.Attempts} attempts; the last: {error}");
            return;
        }

        var delay = RetryBackoff.Delay(run.Attempts, _options.RetryBaseDelay, _options.RetryMaxDelay, Random.Shared.NextDouble());
        run.NextAttemptAt = _clock.GetUtcNow() + delay;
        run.Detail = $"attempt {run.Attempts} failed: {error}; retrying in {DurationText.Format(delay)}";
        LogRetrying(_logger, Id, run.RunId, run.Attempts, error);
    }

    // A fresh session per run (and per attempt after a failure), with an id derived from the schedule and the slot.
    private string FreshSessionId(RunRecord run)
    {
        var suffix = "-" + run.RunId + (run.Attempts > 1 ? "-a" + run.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
        var id = Id + suffix;
        return id.Length <= GrainKey.MaxLength && GrainKey.IsValid(id) ? id : "sched-" + Hash(Id + suffix)[..40];
    }

    private string ClientMessageId(RunRecord run) =>
        "schedule-" + Hash(Id + "/" + run.RunId + "/" + run.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture))[..32];

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    // ---------------------------------------------------------------- wake-ups

    /// <summary>
    /// Sets the timer and the reminder to the earliest thing due: the next slot, a retry, or (while a run is unfinished)
    /// a check a minute from now. The reminder is the durable backstop (one-minute period, Orleans' minimum) and is
    /// written only when it would otherwise be late or wake the grain for nothing; the timer gives precision while the
    /// grain is active, and keeps a sub-minute schedule active.
    /// </summary>
    private async Task ArmAsync()
    {
        var now = _clock.GetUtcNow();
        DateTimeOffset? due = State.Paused ? null : State.NextSlot;
        foreach (var run in State.Runs)
        {
            if (run.Status == ScheduleRunStatus.Running)
            {
                var at = run.NextAttemptAt ?? (_waiting.Contains(run.RunId) ? now + ReminderPeriod : now);
                due = due is null || at < due ? at : due;
            }
        }

        if (State.WaitingSlot is not null && RunningCount < State.Definition.MaxConcurrent && !State.Paused)
        {
            due = now;
        }

        if (!State.Exists || due is null)
        {
            await CancelWakeupsAsync();
            return;
        }

        if (due.Value - now > MaxWait)
        {
            due = now + MaxWait;
        }

        var wait = due.Value > now ? due.Value - now : TimeSpan.Zero;
        var keepAlive = !State.Paused && Timing.SubMinute;
        if (_timer is null || keepAlive != _timerKeepsAlive)
        {
            _timer?.Dispose();
            _timer = this.RegisterGrainTimer(OnTimerAsync, new GrainTimerCreationOptions(wait, Timeout.InfiniteTimeSpan) { KeepAlive = keepAlive });
            _timerKeepsAlive = keepAlive;
        }
        else
        {
            _timer.Change(wait, Timeout.InfiniteTimeSpan);
        }

        // The reminder ticks at start + k minutes: keep it when its next tick falls within the minute before the due time.
        if (_reminderStart is { } start)
        {
            var nextTick = start >= now ? start : start + (ReminderPeriod * Math.Ceiling((now - start) / ReminderPeriod));
            if (nextTick <= due.Value + _options.OnTimeTolerance && due.Value - nextTick < ReminderPeriod)
            {
                return;
            }
        }

        await this.RegisterOrUpdateReminder(SlotReminder, wait, ReminderPeriod);
        _reminderStart = now + wait;
    }

    private async Task CancelWakeupsAsync()
    {
        _timer?.Dispose();
        _timer = null;
        _reminderStart = null;
        if (await this.GetReminder(SlotReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }
}
