using Microsoft.Extensions.Logging;

namespace Duragent.Runtime;

/// <summary>
/// One activation of a grain: its lifecycle (Creating → Activating → Valid → Deactivating → Invalid), its mailbox
/// (ActivationData.Mailbox.cs) and the <see cref="IGrainContext"/> the grain sees. All mutable state is guarded by
/// one lock; grain code itself runs on the activation's <see cref="ActivationTaskScheduler"/>.
/// </summary>
internal sealed partial class ActivationData : IGrainContext
{
    private readonly Lock _lock = new();
    private readonly Catalog _catalog;
    private readonly ActivationTaskScheduler _scheduler;
    private readonly TimeSpan _collectionAge;
    private ActivationState _state;
    private Grain? _grain;
    private GrainAddress? _address;
    private long _lastActivity;
    private long _keepAliveUntil;
    private CancellationTokenSource? _deactivating;
    private List<GrainTimer>? _timers;
    private List<WorkItem>? _forward;
    private TaskCompletionSource? _idle;
    private TaskCompletionSource? _deactivated;
    private DeactivationReason _reason;
    private bool _deactivationPending;
    private bool _finishStarted;
    private ITimer? _deactivationTimer;
    private GrainReminders? _reminders;

    public ActivationData(Catalog catalog, GrainId grainId, GrainRegistration registration)
    {
        _catalog = catalog;
        GrainId = grainId;
        Registration = registration;
        _scheduler = new ActivationTaskScheduler(this);
        _collectionAge = catalog.Options.GetCollectionAge(registration.GrainType);
        _lastActivity = catalog.Time.GetTimestamp();
    }

    public GrainId GrainId { get; }

    public GrainRegistration Registration { get; }

    /// <summary>Unique per activation; the directory entry is conditional on it.</summary>
    public string ActivationId { get; } = Ulid.NewUlid();

    public IGrainFactory GrainFactory => _catalog.GrainFactory;

    public IServiceProvider Services => _catalog.Services;

    public IGrainReminders Reminders => _reminders ??= new GrainReminders(GrainId, Registration, _catalog.Reminders);

    public ActivationState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>The grain instance once created (tests and diagnostics).</summary>
    public Grain? Grain => _grain;

    public CancellationToken Deactivating
    {
        get
        {
            lock (_lock)
            {
                if (_state >= ActivationState.Deactivating)
                {
                    return new CancellationToken(canceled: true);
                }

                _deactivating ??= new CancellationTokenSource();
                return _deactivating.Token;
            }
        }
    }

    public void DeactivateOnIdle() => _ = DeactivateAsync(DeactivationReason.ApplicationRequested);

    public void DelayDeactivation(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero && duration != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "The delay must be zero (cancel), positive or Timeout.InfiniteTimeSpan.");
        }

        var time = _catalog.Time;
        lock (_lock)
        {
            _keepAliveUntil = duration == Timeout.InfiniteTimeSpan ? long.MaxValue
                : duration == TimeSpan.Zero ? 0
                : SaturatingAdd(time.GetTimestamp(), duration.TotalSeconds * time.TimestampFrequency);
        }
    }

    public Task RunTurnAsync(Func<Task> work, bool interleave = false)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = new TurnWorkItem(work, interleave);
        TryAccept(item);
        return item.Task;
    }

    public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool interleave = false, bool keepAlive = false)
    {
        var timer = new GrainTimer(this, callback, dueTime, period, interleave, keepAlive);
        lock (_lock)
        {
            if (_state >= ActivationState.Deactivating)
            {
                timer.Stop();
                throw new InvalidOperationException($"Grain {GrainId} is deactivating; it cannot register timers.");
            }

            (_timers ??= []).Add(timer);
        }

        timer.Start(dueTime);
        return timer;
    }

    internal TimeProvider Time => _catalog.Time;

    internal ILogger Logger => _catalog.Logger;

    internal void RemoveTimer(GrainTimer timer)
    {
        lock (_lock)
        {
            _timers?.Remove(timer);
        }
    }

    /// <summary>Queues the activation turn; called once by the catalog after adding the activation to its table.</summary>
    public void StartActivation() =>
        _ = Task.Factory.StartNew(static s => ((ActivationData)s!).ActivateAsync(), this, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler);

    /// <summary>
    /// Starts deactivation (waits for running requests, then runs <see cref="Grain.OnDeactivateAsync"/> as the last
    /// turn). Queued and later requests go to the next activation. The task completes when the activation is gone.
    /// </summary>
    public Task DeactivateAsync(DeactivationReason reason)
    {
        lock (_lock)
        {
            return DeactivateLocked(reason);
        }
    }

    /// <summary>Deactivates the activation if it has been idle long enough; called by the collector.</summary>
    public bool TryCollect(long now)
    {
        lock (_lock)
        {
            if (_state != ActivationState.Valid || _running != 0 || WaitingCount != 0 || _deactivated is not null
                || _collectionAge == Timeout.InfiniteTimeSpan || now < _keepAliveUntil
                || _catalog.Time.GetElapsedTime(_lastActivity, now) < _collectionAge)
            {
                return false;
            }

            _ = DeactivateLocked(DeactivationReason.ActivationIdle);
            return true;
        }
    }

    private Task DeactivateLocked(DeactivationReason reason)
    {
        if (_deactivated is not null)
        {
            return _deactivated.Task;
        }

        _deactivated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        switch (_state)
        {
            case ActivationState.Creating or ActivationState.Activating:
                _deactivationPending = true;
                _reason = reason;
                break;
            case ActivationState.Valid:
                BeginDeactivationLocked(reason);
                break;
            default:
                _deactivated.TrySetResult();
                break;
        }

        return _deactivated.Task;
    }

    private async Task ActivateAsync()
    {
        lock (_lock)
        {
            _state = ActivationState.Activating;
        }

        var options = _catalog.Options;
        var address = new GrainAddress(GrainId, _catalog.SiloAddress, ActivationId);
        var registered = false;
        using var timeout = new CancellationTokenSource(options.ActivationTimeout, _catalog.Time);
        try
        {
            var winner = await _catalog.Directory.RegisterAsync(address, timeout.Token).WaitAsync(timeout.Token);
            if (winner != address)
            {
                throw new InvalidOperationException($"The grain directory says grain {GrainId} is already active on silo {winner.SiloAddress} (activation {winner.ActivationId}).");
            }

            registered = true;
            var (grain, facets) = Registration.Activator.CreateInstance(_catalog.Services, this);
            foreach (var facet in facets)
            {
                await facet.ReadStateAsync(timeout.Token).WaitAsync(timeout.Token);
            }

            grain.SetContext(this);
            _grain = grain;
            await grain.OnActivateAsync(timeout.Token).WaitAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            var error = ex is OperationCanceledException && timeout.IsCancellationRequested
                ? new TimeoutException($"Activation of grain {GrainId} did not complete within the activation timeout {options.ActivationTimeout}.", ex)
                : ex;
            await FailActivationAsync(error, registered ? address : null);
            return;
        }

        lock (_lock)
        {
            _address = address;
            _state = ActivationState.Valid;
            _lastActivity = _catalog.Time.GetTimestamp();
            if (_deactivationPending)
            {
                BeginDeactivationLocked(_reason);
            }
            else
            {
                StartAdmissibleLocked();
            }

            SignalIdleLocked();
        }

        _catalog.Logger.LogDebugActivated(GrainId, Registration.ImplementationType.Name);
    }

    private async Task FailActivationAsync(Exception error, GrainAddress? registeredAddress)
    {
        _catalog.Remove(this);
        if (registeredAddress is not null)
        {
            await UnregisterAsync(registeredAddress);
        }

        List<WorkItem> rejected = [];
        List<GrainTimer>? timers;
        lock (_lock)
        {
            _state = ActivationState.Invalid;
            while (_waiting?.TryDequeue(out var item) == true)
            {
                rejected.Add(item);
            }

            rejected.AddRange(_forward ?? []);
            _forward = null;
            timers = _timers;
            _timers = null;
            SignalIdleLocked();
        }

        foreach (var timer in timers ?? [])
        {
            timer.Stop();
        }

        _catalog.Logger.LogWarningActivationFailed(GrainId, rejected.Count, error);
        var message = $"Failed to activate grain {GrainId} ({Registration.ImplementationType.Name}): {error.Message}";
        foreach (var item in rejected)
        {
            item.Fail(new GrainActivationException(message, error));
        }

        _deactivated?.TrySetResult();
    }

    private void BeginDeactivationLocked(DeactivationReason reason)
    {
        _state = ActivationState.Deactivating;
        _reason = reason;
        _catalog.Logger.LogDebugDeactivating(GrainId, reason);
        while (_waiting?.TryDequeue(out var item) == true)
        {
            if (item.IsLocal)
            {
                item.Fail(NotAcceptingException(item));
            }
            else
            {
                (_forward ??= []).Add(item);
            }
        }

        _queuedInterleave = 0;
        foreach (var timer in _timers ?? [])
        {
            timer.Stop();
        }

        _timers = null;
        if (_deactivating is { } deactivating)
        {
            // Cancel on the activation's scheduler: callbacks registered by grain code must not run beside a turn.
            _ = Task.Factory.StartNew(static s => ((CancellationTokenSource)s!).Cancel(), deactivating, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler);
        }

        if (_running == 0)
        {
            StartFinishLocked();
        }
        else
        {
            _deactivationTimer = _catalog.Time.CreateTimer(
                static s => ((ActivationData)s!).OnDeactivationWaitTimeout(), this, _catalog.Options.DeactivationTimeout, Timeout.InfiniteTimeSpan);
        }

        SignalIdleLocked();
    }

    private void OnDeactivationWaitTimeout()
    {
        lock (_lock)
        {
            if (_state == ActivationState.Deactivating && !_finishStarted)
            {
                _catalog.Logger.LogWarningDeactivationWaitTimedOut(GrainId, _running, _catalog.Options.DeactivationTimeout);
                StartFinishLocked();
            }
        }
    }

    private void StartFinishLocked()
    {
        if (_finishStarted)
        {
            return;
        }

        _finishStarted = true;
        _deactivationTimer?.Dispose();
        _ = Task.Factory.StartNew(static s => ((ActivationData)s!).FinishDeactivationAsync(), this, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler);
    }

    /// <summary>The last turn: the deactivate hook, then leaving the directory and the table.</summary>
    private async Task FinishDeactivationAsync()
    {
        var reason = _reason;
        if (_grain is { } grain)
        {
            var timeoutValue = _catalog.Options.DeactivationTimeout;
            using var timeout = new CancellationTokenSource(timeoutValue, _catalog.Time);
            try
            {
                await grain.OnDeactivateAsync(reason, timeout.Token).WaitAsync(timeout.Token);
            }
            catch (Exception ex)
            {
                var error = ex is OperationCanceledException && timeout.IsCancellationRequested
                    ? new TimeoutException($"OnDeactivateAsync of grain {GrainId} did not complete within the deactivation timeout {timeoutValue}.", ex)
                    : ex;
                _catalog.Logger.LogWarningDeactivateHookFailed(GrainId, reason, error);
            }
        }

        if (_address is { } address)
        {
            await UnregisterAsync(address);
        }

        _catalog.Remove(this);
        List<WorkItem>? forward;
        lock (_lock)
        {
            _state = ActivationState.Invalid;
            forward = _forward;
            _forward = null;
            SignalIdleLocked();
        }

        _catalog.Logger.LogDebugDeactivated(GrainId, reason, forward?.Count ?? 0);
        _deactivated!.TrySetResult();
        foreach (var item in forward ?? [])
        {
            _catalog.Redispatch(this, item);
        }
    }

    private async Task UnregisterAsync(GrainAddress address)
    {
        try
        {
            await _catalog.Directory.UnregisterAsync(address);
        }
        catch (Exception ex)
        {
            _catalog.Logger.LogWarningDirectoryUnregisterFailed(GrainId, ex);
        }
    }

    private InvalidOperationException NotAcceptingException(WorkItem item) =>
        new($"Grain {GrainId} is deactivating or deactivated; the {item.Description} was not run.");

    private static long SaturatingAdd(long timestamp, double delta) =>
        delta >= long.MaxValue - timestamp ? long.MaxValue : timestamp + (long)delta;
}
