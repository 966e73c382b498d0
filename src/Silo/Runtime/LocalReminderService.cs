using Duragent.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Duragent.Runtime;

/// <summary>
/// Delivers durable reminders. Rows live in the registered <see cref="IReminderTable"/>; this service loads them at
/// start, keeps them in memory and runs one timer for the earliest due tick. A due tick is an ordinary grain call
/// (it activates the grain); after it succeeds the row records <c>LastTickAt</c> and <c>NextDueAt</c>, and a one-shot
/// reminder is removed. A reminder's next tick waits for its previous delivery. Failures are logged and the schedule
/// continues. Missed slots follow the row's <see cref="MissedTickPolicy"/> (see <see cref="ReminderSchedule.Plan"/>).
/// </summary>
/// <remarks>One story (load, schedule, deliver, record), so one file.</remarks>
internal sealed class LocalReminderService : IDisposable
{
    // Timers accept at most ~49 days; a longer wait wakes up once and re-arms.
    private static readonly TimeSpan s_maxTimerDelay = TimeSpan.FromDays(1);

    private readonly IReminderTable? _table;
    private readonly IServiceProvider _services;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loading = Task.CompletedTask;
    private readonly Catalog _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId, string), Scheduled> _reminders = [];
    private readonly PriorityQueue<(Scheduled Reminder, long Version), DateTimeOffset> _queue = new();
    private int _deliveries;
    private TaskCompletionSource? _deliveriesDone;
    private ITimer? _timer;
    private bool _started;
    private bool _stopped;

    public LocalReminderService(IServiceProvider services, Catalog catalog, TimeProvider time, ILogger<LocalReminderService> logger)
    {
        _table = services.GetService<IReminderTable>();
        _services = services;
        _catalog = catalog;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Starts loading every row in the background and returns: start-up (and <c>/readyz</c>) does not wait for a
    /// table that grows with the number of sessions (each holds an expiry reminder). Calls that change or read rows
    /// wait for the load first, so none is lost or undone by it; due ticks are delivered once it is done. A load that
    /// fails (an unreadable row) is logged as critical and stops the application, as a failed start would.
    /// Without a registered <see cref="IReminderTable"/> reminders are off.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_table is not null)
        {
            _loading = Task.Run(() => LoadAsync(_table, _stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>Completes when the rows are loaded and scheduled (at once without a table); faults if the load failed.</summary>
    internal Task Loaded => _loading;

    private async Task LoadAsync(IReminderTable table, CancellationToken cancellationToken)
    {
        IReadOnlyList<ReminderEntry> rows;
        try
        {
            rows = await table.ReadAllAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _logger.LogCriticalRemindersLoadFailed(ex);
            _services.GetService<IHostApplicationLifetime>()?.StopApplication();
            throw;
        }

        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var row in rows)
            {
                var problem = GrainKey.Check(row.GrainId.Key) ?? GrainKey.Check(row.Name) ?? (row.Period < TimeSpan.Zero ? "its period is negative" : null);
                if (problem is not null)
                {
                    _logger.LogErrorReminderInvalidRow(row.GrainId, row.Name, problem);
                    continue;
                }

                var reminder = new Scheduled(row);
                _reminders[(row.GrainId, row.Name)] = reminder;
                if (ReminderSchedule.Plan(row.StartAt, row.Period, row.MissedTickPolicy, row.NextDueAt, now) is { } plan)
                {
                    LogPlan(row, plan);
                    ApplyLocked(reminder, plan);
                }
            }

            _timer = _time.CreateTimer(static s => ((LocalReminderService)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _started = true;
            _logger.LogInformationRemindersLoaded(_reminders.Count);
        }

        Arm();
    }

    // Row changes wait for the load: a change made while it reads could otherwise be missed or undone by it.
    private async Task WhenLoadedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _loading.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException("The reminder table could not be loaded (see the log); reminders are unavailable.", ex);
        }
    }

    /// <summary>Stops scheduling new ticks (deliveries already running go on).</summary>
    public void StopScheduling()
    {
        _stopping.Cancel();
        lock (_lock)
        {
            _stopped = true;
            _timer?.Dispose();
        }
    }

    /// <summary>Waits for the deliveries in progress (and their row updates), or until <paramref name="cancellationToken"/>.</summary>
    public async Task WaitForDeliveriesAsync(CancellationToken cancellationToken)
    {
        Task done;
        lock (_lock)
        {
            if (_deliveries == 0)
            {
                return;
            }

            _deliveriesDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            done = _deliveriesDone.Task;
        }

        try
        {
            await done.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The shutdown deadline passed; the rows of unfinished deliveries stay as they were.
        }
    }

    public void Dispose()
    {
        StopScheduling();
        _stopping.Dispose();
    }

    public async Task RegisterOrUpdateAsync(GrainId grainId, string name, DateTimeOffset startAt, TimeSpan period, MissedTickPolicy policy, CancellationToken cancellationToken)
    {
        var table = RequireTable();
        await WhenLoadedAsync(cancellationToken);
        GrainKey.Validate(name, "reminder name");
        if (period < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "A reminder period must be zero (one-shot) or positive.");
        }

        if (!Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown missed-tick policy.");
        }

        startAt = startAt.ToUniversalTime();
        var first = ReminderSchedule.NextTickAtOrAfter(startAt, period, _time.GetUtcNow()) ?? startAt;
        var entry = new ReminderEntry(grainId, name, startAt, period, policy, LastTickAt: null, NextDueAt: first);
        var eTag = await table.UpsertRowAsync(entry, cancellationToken);
        lock (_lock)
        {
            if (!_started || _stopped)
            {
                return;
            }

            if (!_reminders.TryGetValue((grainId, name), out var reminder))
            {
                reminder = new Scheduled(entry);
                _reminders[(grainId, name)] = reminder;
            }

            reminder.Entry = entry with { ETag = eTag };
            ApplyLocked(reminder, new ReminderPlan(first, first, 0, first, ReminderPlanKind.OnTime));
        }

        Arm();
    }

    public async Task<bool> UnregisterAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        var table = RequireTable();
        await WhenLoadedAsync(cancellationToken);
        var removed = await table.RemoveRowAsync(grainId, name, eTag: null, cancellationToken);
        lock (_lock)
        {
            if (_reminders.Remove((grainId, name), out var reminder))
            {
                reminder.Removed = true;
            }
        }

        Arm();
        return removed;
    }

    public async Task<IReadOnlyList<ReminderInfo>> GetAllAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        var rows = await RequireTable().ReadRowsAsync(grainId, cancellationToken);
        return [.. rows.Select(r => new ReminderInfo(r.Name, r.StartAt, r.Period, r.MissedTickPolicy, r.LastTickAt))];
    }

    /// <summary>The next planned delivery of a reminder, or null (tests and diagnostics).</summary>
    internal ReminderPlan? GetPlan(GrainId grainId, string name)
    {
        lock (_lock)
        {
            return _reminders.TryGetValue((grainId, name), out var reminder) && !reminder.Removed ? reminder.Plan : null;
        }
    }

    private IReminderTable RequireTable() =>
        _table ?? throw new InvalidOperationException("Reminders need an IReminderTable; register a storage provider, e.g. services.AddFileStorage(...).");

    private void ApplyLocked(Scheduled reminder, ReminderPlan plan)
    {
        reminder.Plan = plan;
        reminder.Version++;
        _queue.Enqueue((reminder, reminder.Version), plan.DueAt);
    }

    private void Arm()
    {
        lock (_lock)
        {
            if (_stopped || _timer is null)
            {
                return;
            }

            while (_queue.TryPeek(out var head, out _) && !IsCurrent(head))
            {
                _queue.Dequeue();
            }

            if (!_queue.TryPeek(out _, out var due))
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                return;
            }

            var delay = due - _time.GetUtcNow();
            _timer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay > s_maxTimerDelay ? s_maxTimerDelay : delay, Timeout.InfiniteTimeSpan);
        }
    }

    private static bool IsCurrent((Scheduled Reminder, long Version) entry) =>
        entry.Reminder.Version == entry.Version && !entry.Reminder.Removed && !entry.Reminder.Delivering;

    private void OnTimer()
    {
        var now = _time.GetUtcNow();
        List<(Scheduled, ReminderEntry, ReminderPlan, long)>? due = null;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            while (_queue.TryPeek(out var head, out var at) && at <= now)
            {
                _queue.Dequeue();
                if (IsCurrent(head))
                {
                    head.Reminder.Delivering = true;
                    _deliveries++;
                    (due ??= []).Add((head.Reminder, head.Reminder.Entry, head.Reminder.Plan, head.Version));
                }
            }
        }

        foreach (var (reminder, entry, plan, version) in due ?? [])
        {
            _ = DeliverAsync(reminder, entry, plan, version);
        }

        Arm();
    }

    /// <summary>
    /// Delivers one tick, records it and plans the next; never throws. This is runtime code started by a timer, not
    /// grain code, so it does not resume on whatever context the timer fired on (ConfigureAwait(false)).
    /// </summary>
    private async Task DeliverAsync(Scheduled reminder, ReminderEntry entry, ReminderPlan plan, long version)
    {
        try
        {
            await DeliverAndRecordAsync(reminder, entry, plan, version).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                if (--_deliveries == 0 && _deliveriesDone is { } done)
                {
                    _deliveriesDone = null;
                    done.TrySetResult();
                }
            }
        }
    }

    private async Task DeliverAndRecordAsync(Scheduled reminder, ReminderEntry entry, ReminderPlan plan, long version)
    {
        var status = new TickStatus(entry.StartAt, entry.Period, plan.Slot, (int)Math.Min(plan.MissedTicks, int.MaxValue));
        Exception? failure = null;
        try
        {
            await _catalog.InvokeReminderAsync(entry.GrainId, entry.Name, status).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        if (failure is SiloUnavailableException)
        {
            // Shutting down: leave the row as it is; the next start treats the slot as missed.
            lock (_lock)
            {
                reminder.Delivering = false;
            }

            return;
        }

        if (failure is not null)
        {
            _logger.LogErrorReminderDeliveryFailed(entry.GrainId, entry.Name, plan.Slot, failure);
        }

        var next = entry.Period == TimeSpan.Zero ? null
            : ReminderSchedule.NextTickAfter(entry.StartAt, entry.Period, plan.Slot) is { } candidate
                ? ReminderSchedule.Plan(entry.StartAt, entry.Period, entry.MissedTickPolicy, candidate, _time.GetUtcNow())
                : null;
        bool current;
        lock (_lock)
        {
            current = reminder.Version == version && !reminder.Removed;
        }

        if (current)
        {
            next = await RecordAsync(reminder, entry, plan, next, version, failure is null).ConfigureAwait(false);
        }

        lock (_lock)
        {
            reminder.Delivering = false;
            if (reminder.Removed || _stopped)
            {
                // Unregistered, finished or shutting down.
            }
            else if (reminder.Version != version)
            {
                // Re-registered during the delivery: its new plan is already set; queue it again.
                _queue.Enqueue((reminder, reminder.Version), reminder.Plan.DueAt);
            }
            else if (next is { } plannedNext)
            {
                LogPlan(entry, plannedNext);
                ApplyLocked(reminder, plannedNext);
            }
        }

        Arm();
    }

    /// <summary>Writes the delivered tick to the row (or removes a finished reminder); returns the plan to follow.</summary>
    private async Task<ReminderPlan?> RecordAsync(Scheduled reminder, ReminderEntry entry, ReminderPlan plan, ReminderPlan? next, long version, bool succeeded)
    {
        var table = _table!;
        try
        {
            if (next is null)
            {
                lock (_lock)
                {
                    if (reminder.Version != version)
                    {
                        return null;
                    }

                    reminder.Removed = true;
                    _reminders.Remove((entry.GrainId, entry.Name));
                }

                await table.RemoveRowAsync(entry.GrainId, entry.Name, entry.ETag).ConfigureAwait(false);
                return null;
            }

            if (!succeeded)
            {
                return next;
            }

            var row = entry with { LastTickAt = plan.Slot, NextDueAt = next.Value.NextDueAt };
            var eTag = await table.UpsertRowAsync(row).ConfigureAwait(false);
            lock (_lock)
            {
                if (reminder.Version == version)
                {
                    reminder.Entry = row with { ETag = eTag };
                }
            }

            return next;
        }
        catch (InconsistentStateException)
        {
            // Changed behind our back (re-registered, unregistered, another writer): the table wins.
            _logger.LogDebugReminderRowChanged(entry.GrainId, entry.Name);
            return await ReloadAsync(reminder, entry, version).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogErrorReminderRowUpdateFailed(entry.GrainId, entry.Name, ex);
            return next;
        }
    }

    private async Task<ReminderPlan?> ReloadAsync(Scheduled reminder, ReminderEntry entry, long version)
    {
        ReminderEntry? row;
        try
        {
            row = await _table!.ReadRowAsync(entry.GrainId, entry.Name).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogErrorReminderRowUpdateFailed(entry.GrainId, entry.Name, ex);
            return null;
        }

        lock (_lock)
        {
            if (reminder.Version != version)
            {
                return null;
            }

            if (row is null)
            {
                reminder.Removed = true;
                _reminders.Remove((entry.GrainId, entry.Name));
                return null;
            }

            reminder.Entry = row;
            return ReminderSchedule.Plan(row.StartAt, row.Period, row.MissedTickPolicy, row.NextDueAt, _time.GetUtcNow());
        }
    }

    private void LogPlan(ReminderEntry entry, ReminderPlan plan)
    {
        if (plan.Kind == ReminderPlanKind.Skipped)
        {
            _logger.LogWarningReminderTicksSkipped(entry.GrainId, entry.Name, plan.MissedTicks, plan.DueAt);
        }
        else if (plan.Kind == ReminderPlanKind.CatchUp)
        {
            _logger.LogWarningReminderMissedTicksFolded(entry.GrainId, entry.Name, plan.MissedTicks, entry.MissedTickPolicy);
        }
    }

    private sealed class Scheduled(ReminderEntry entry)
    {
        /// <summary>The row as last read or written (with its ETag).</summary>
        public ReminderEntry Entry { get; set; } = entry;

        /// <summary>Bumped on every plan change; queue entries and deliveries carry the version they belong to.</summary>
        public long Version { get; set; }

        public ReminderPlan Plan { get; set; }

        public bool Delivering { get; set; }

        public bool Removed { get; set; }
    }
}
