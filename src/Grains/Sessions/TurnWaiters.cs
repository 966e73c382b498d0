namespace Duragent.Sessions;

/// <summary>
/// Callers waiting for a turn to settle (<see cref="ISessionGrain.WaitForTurnAsync"/>, <c>?wait=true</c>): each waits
/// for the turn that answers one message. The grain calls <see cref="Notify"/> after every recorded step and
/// <see cref="FailAll"/> when waiting can no longer end well (deletion, deactivation, a storage fault).
/// </summary>
internal sealed class TurnWaiters
{
    private readonly List<Waiter> _waiters = [];

    /// <summary>Waits until <see cref="Notify"/> finds the turn of <paramref name="messageSeq"/> settled, or a failure.</summary>
    public async Task<TurnResult> WaitAsync(long messageSeq, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(messageSeq);
        _waiters.Add(waiter);
        try
        {
            return await waiter.Completion.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _waiters.Remove(waiter);
        }
    }

    /// <summary>Completes every waiter whose turn <paramref name="settled"/> says is over, with <paramref name="result"/>.</summary>
    public void Notify(Func<long, bool> settled, Func<TurnResult> result)
    {
        if (_waiters.Count == 0)
        {
            return;
        }

        foreach (var waiter in _waiters.ToList())
        {
            if (settled(waiter.MessageSeq))
            {
                waiter.Completion.TrySetResult(result());
            }
        }
    }

    /// <summary>Fails every waiter with <paramref name="error"/>.</summary>
    public void FailAll(Exception error)
    {
        foreach (var waiter in _waiters.ToList())
        {
            waiter.Completion.TrySetException(error);
        }
    }

    private sealed class Waiter(long messageSeq)
    {
        public long MessageSeq { get; } = messageSeq;

        public TaskCompletionSource<TurnResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
