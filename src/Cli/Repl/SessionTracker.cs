using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Cli.Repl;

/// <summary>
/// The session as the REPL last saw it on the stream: status, pending approval, last seq. Starts from the
/// <see cref="SessionInfo"/> read before attaching; replayed events at or below its <c>last_seq</c> are rendered
/// but do not move the state back. Waiters are woken as events arrive.
/// </summary>
internal sealed class SessionTracker
{
    private readonly Lock _lock = new();
    private readonly long _baseSeq;
    private readonly List<Waiter> _waiters = [];
    private Exception? _failure;

    /// <summary>A tracker from <paramref name="session"/>; the stream starts above <paramref name="afterSeq"/>.</summary>
    public SessionTracker(SessionInfo session, long afterSeq)
    {
        ArgumentNullException.ThrowIfNull(session);
        _baseSeq = session.LastSeq;
        StreamedSeq = afterSeq;
        Status = session.Status;
        StatusSeq = session.LastSeq;
        LastSeq = session.LastSeq;
        PendingApproval = session.PendingApproval is { } pending
            ? new ApprovalRequired(pending.TurnId, pending.CallId, pending.Tool, pending.Command, pending.ExpiresAt)
            : null;
    }

    public SessionStatus Status { get; private set; }

    /// <summary>The seq of the event that set <see cref="Status"/> (the initial <c>last_seq</c> before any).</summary>
    public long StatusSeq { get; private set; }

    /// <summary>The highest seq seen (or the initial <c>last_seq</c>).</summary>
    public long LastSeq { get; private set; }

    /// <summary>The highest seq received from the stream (the replay start before any).</summary>
    public long StreamedSeq { get; private set; }

    /// <summary>The approval the turn waits for, if any.</summary>
    public ApprovalRequired? PendingApproval { get; private set; }

    /// <summary>True when no turn is running (the status is not <c>running</c>).</summary>
    public bool IsSettled => Status != SessionStatus.Running;

    public void Apply(SessionEventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        lock (_lock)
        {
            LastSeq = Math.Max(LastSeq, envelope.Seq);
            StreamedSeq = Math.Max(StreamedSeq, envelope.Seq);
            if (envelope.Seq > _baseSeq)
            {
                switch (envelope.Event)
                {
                    case StatusChanged changed:
                        Status = changed.To;
                        StatusSeq = envelope.Seq;
                        if (changed.To != SessionStatus.AwaitingApproval)
                        {
                            PendingApproval = null;
                        }

                        break;
                    case ApprovalRequired required:
                        PendingApproval = required;
                        break;
                    case ApprovalDecided decided when PendingApproval?.CallId == decided.CallId:
                        PendingApproval = null;
                        break;
                }
            }

            Wake();
        }
    }

    /// <summary>The stream failed for good: every wait (now and later) throws <paramref name="failure"/>.</summary>
    public void Fail(Exception failure)
    {
        lock (_lock)
        {
            _failure = failure;
            Wake();
        }
    }

    /// <summary>
    /// Completes when a turn started after <paramref name="afterSeq"/> has settled: the status is not running and was
    /// set by an event above <paramref name="afterSeq"/>. With -1, completes as soon as nothing is running.
    /// </summary>
    public Task WaitSettledAsync(long afterSeq, CancellationToken cancellationToken) =>
        WaitAsync(() => Status != SessionStatus.Running && StatusSeq > afterSeq, cancellationToken);

    /// <summary>Completes once the stream has delivered events up to <paramref name="seq"/>.</summary>
    public Task WaitSeenAsync(long seq, CancellationToken cancellationToken) =>
        WaitAsync(() => StreamedSeq >= seq, cancellationToken);

    /// <summary>Completes once the stream has replayed everything up to the session's <c>last_seq</c> at attach time.</summary>
    public Task WaitReplayedAsync(CancellationToken cancellationToken) => WaitSeenAsync(_baseSeq, cancellationToken);

    private Task WaitAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_failure is not null)
            {
                return Task.FromException(_failure);
            }

            if (condition())
            {
                return Task.CompletedTask;
            }

            var waiter = new Waiter(condition);
            _waiters.Add(waiter);
            return waiter.Completion.Task.WaitAsync(cancellationToken);
        }
    }

    private void Wake()
    {
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            var waiter = _waiters[i];
            if (_failure is not null)
            {
                waiter.Completion.TrySetException(_failure);
                _waiters.RemoveAt(i);
            }
            else if (waiter.Condition())
            {
                waiter.Completion.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    private sealed class Waiter(Func<bool> condition)
    {
        public Func<bool> Condition { get; } = condition;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
