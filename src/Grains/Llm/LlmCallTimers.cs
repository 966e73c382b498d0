namespace Duragent.Llm;

/// <summary>
/// The cancellation of one call: the caller's token, the total timeout and the idle timeout, linked into one
/// <see cref="Token"/>. When that token fires, <see cref="Reason"/> says which of them did.
/// </summary>
internal sealed class LlmCallTimers : IDisposable
{
    private readonly CancellationTokenSource _total;
    private readonly CancellationTokenSource _idle;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _caller;

    public LlmCallTimers(CancellationToken caller, TimeSpan total, TimeSpan idle, TimeProvider time)
    {
        _caller = caller;
        TotalTimeout = total;
        IdleTimeout = idle;
        _total = new CancellationTokenSource(total, time);
        _idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(caller, _total.Token, _idle.Token);
    }

    public TimeSpan TotalTimeout { get; }

    public TimeSpan IdleTimeout { get; }

    /// <summary>Fires when the caller cancels or either timeout expires.</summary>
    public CancellationToken Token => _linked.Token;

    public bool CallerCancelled => _caller.IsCancellationRequested;

    /// <summary>Which source fired first in practice: the caller wins, then the total, then the idle timeout.</summary>
    public CancelReason Reason =>
        _caller.IsCancellationRequested ? CancelReason.Caller
        : _total.IsCancellationRequested ? CancelReason.Total
        : _idle.IsCancellationRequested ? CancelReason.Idle
        : CancelReason.None;

    /// <summary>
    /// The exception to throw once the caller cancelled: an <see cref="OperationCanceledException"/> carrying the
    /// caller's own token (HttpClient reports the linked one).
    /// </summary>
    public OperationCanceledException CallerCancellation(OperationCanceledException inner) =>
        inner.CancellationToken == _caller ? inner : new OperationCanceledException("the LLM call was cancelled", inner, _caller);

    /// <summary>Arms the idle timer before waiting for the network.</summary>
    public void StartIdle() => _idle.CancelAfter(IdleTimeout);

    /// <summary>Disarms the idle timer while the caller consumes what arrived.</summary>
    public void StopIdle()
    {
        if (!_idle.IsCancellationRequested)
        {
            _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        _linked.Dispose();
        _idle.Dispose();
        _total.Dispose();
    }

    internal enum CancelReason
    {
        None,
        Caller,
        Total,
        Idle,
    }
}
