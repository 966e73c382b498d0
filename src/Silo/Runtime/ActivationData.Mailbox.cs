using Microsoft.Extensions.Logging;

namespace Duragent.Runtime;

/// <summary>
/// The mailbox of an activation. Admission follows Orleans' <c>MayInvokeRequest</c>: a request may start when nothing
/// blocking runs, when it is <see cref="AlwaysInterleaveAttribute"/>, or when it and everything running that blocks
/// are <see cref="ReadOnlyAttribute"/>. Unlike Orleans, a read-only request does not overtake a queued write (no
/// writer starvation): requests start in arrival order, except always-interleave ones, which never wait.
/// </summary>
internal sealed partial class ActivationData
{
    private static readonly Action<object?> s_run = static s =>
    {
        var item = (WorkItem)s!;
        _ = item.Activation!.RunAsync(item);
    };

    private Queue<WorkItem>? _waiting;
    private int _queuedInterleave;
    private int _running;
    private int _runningBlocking;
    private int _runningWrites;

    /// <summary>Requests running now (started, not completed), for tests and diagnostics.</summary>
    public int RunningCount
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    /// <summary>Requests queued and not started, for tests and diagnostics.</summary>
    public int QueuedCount
    {
        get
        {
            lock (_lock)
            {
                return WaitingCount;
            }
        }
    }

    private int WaitingCount => _waiting?.Count ?? 0;

    /// <summary>
    /// Hands a request to this activation. Returns false only when the activation is already invalid (and out of the
    /// table): the catalog then retries with a fresh activation. Requests for a deactivating activation are held and
    /// forwarded to the next activation; turns and timer ticks bound to this activation fail instead.
    /// </summary>
    public bool TryAccept(WorkItem item)
    {
        lock (_lock)
        {
            switch (_state)
            {
                case ActivationState.Valid:
                    NoteActivityLocked(item);
                    if (item.AlwaysInterleave || (WaitingCount == 0 && CanStartLocked(item)))
                    {
                        StartLocked(item);
                    }
                    else
                    {
                        EnqueueLocked(item);
                    }

                    return true;
                case ActivationState.Creating or ActivationState.Activating:
                    NoteActivityLocked(item);
                    EnqueueLocked(item);
                    return true;
                case ActivationState.Deactivating when !item.IsLocal:
                    (_forward ??= []).Add(item);
                    return true;
                case ActivationState.Invalid when !item.IsLocal:
                    return false;
            }
        }

        item.Fail(NotAcceptingException(item));
        return true;
    }

    /// <summary>Completes when the activation has no running or queued work (for a graceful shutdown's drain).</summary>
    public Task WhenIdleAsync()
    {
        lock (_lock)
        {
            if (!IsBusyLocked)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    private bool IsBusyLocked =>
        _state is ActivationState.Creating or ActivationState.Activating
        || (_state == ActivationState.Valid && (_running > 0 || WaitingCount > 0));

    private void SignalIdleLocked()
    {
        if (_idle is not null && !IsBusyLocked)
        {
            _idle.TrySetResult();
            _idle = null;
        }
    }

    private void NoteActivityLocked(WorkItem item)
    {
        if (item.CountsAsActivity)
        {
            _lastActivity = _catalog.Time.GetTimestamp();
        }
    }

    private bool CanStartLocked(WorkItem item) =>
        item.AlwaysInterleave || _runningBlocking == 0 || (item.IsReadOnly && _runningWrites == 0);

    private void EnqueueLocked(WorkItem item)
    {
        (_waiting ??= new Queue<WorkItem>()).Enqueue(item);
        if (item.AlwaysInterleave)
        {
            _queuedInterleave++;
        }
    }

    private void StartLocked(WorkItem item)
    {
        _running++;
        if (!item.AlwaysInterleave)
        {
            _runningBlocking++;
            if (!item.IsReadOnly)
            {
                _runningWrites++;
            }
        }

        item.Activation = this;
        Task.Factory.StartNew(s_run, item, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler);
    }

    /// <summary>Starts queued requests that the admission rule lets in, in order; drops those whose caller gave up.</summary>
    private void StartAdmissibleLocked()
    {
        var waiting = _waiting;
        if (waiting is null || waiting.Count == 0)
        {
            return;
        }

        if (_queuedInterleave == 0)
        {
            while (waiting.TryPeek(out var head))
            {
                if (head.IsCancelled)
                {
                    waiting.Dequeue();
                    _catalog.Logger.LogDebugDroppedExpiredCall(GrainId, head.Description);
                    continue;
                }

                if (!CanStartLocked(head))
                {
                    return;
                }

                StartLocked(waiting.Dequeue());
            }

            return;
        }

        // Always-interleave requests queue only while the activation is being created; let them all out now
        // and keep the others in order behind the first one that must wait.
        var blocked = false;
        for (var count = waiting.Count; count > 0; count--)
        {
            var item = waiting.Dequeue();
            if (item.AlwaysInterleave)
            {
                _queuedInterleave--;
            }

            if (item.IsCancelled)
            {
                _catalog.Logger.LogDebugDroppedExpiredCall(GrainId, item.Description);
            }
            else if (item.AlwaysInterleave || (!blocked && CanStartLocked(item)))
            {
                StartLocked(item);
            }
            else
            {
                blocked = true;
                waiting.Enqueue(item);
            }
        }
    }

    private async Task RunAsync(WorkItem item)
    {
        Exception? error = null;
        try
        {
            await item.ExecuteAsync(_grain!);
        }
        catch (Exception ex)
        {
            error = ex;
            if (ex is InconsistentStateException)
            {
                // Deactivate before anything else runs here or the caller hears of it, so that its retry (and every
                // queued request) reaches a fresh activation that reloads the state.
                _catalog.Logger.LogWarningInconsistentState(GrainId, item.Description, ex);
                _ = DeactivateAsync(DeactivationReason.InconsistentState);
            }
        }

        OnCompleted(item);
        if (error is null)
        {
            item.Complete();
        }
        else
        {
            item.Fail(error);
        }
    }

    private void OnCompleted(WorkItem item)
    {
        lock (_lock)
        {
            _running--;
            if (!item.AlwaysInterleave)
            {
                _runningBlocking--;
                if (!item.IsReadOnly)
                {
                    _runningWrites--;
                }
            }

            NoteActivityLocked(item);
            if (_state == ActivationState.Valid)
            {
                StartAdmissibleLocked();
            }
            else if (_state == ActivationState.Deactivating && _running == 0)
            {
                StartFinishLocked();
            }

            SignalIdleLocked();
        }
    }
}
