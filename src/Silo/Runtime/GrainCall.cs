namespace Duragent.Runtime;

/// <summary>
/// A grain call from a reference (or a reminder delivery): invokes the grain method and completes the caller's task,
/// or fails it with <see cref="GrainCallTimeoutException"/> when the response timeout expires first.
/// </summary>
internal sealed class GrainCall<T>(GrainId grainId, GrainMethod method, object?[] arguments)
    : WorkItem(method.IsReadOnly, method.AlwaysInterleave, countsAsActivity: true, isLocal: false)
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _timeout;
    private TimeSpan _timeoutValue;
    private T _result = default!;

    public Task<T> Task => _completion.Task;

    public override bool IsCancelled => _completion.Task.IsCompleted;

    public override string Description => "call " + method.DisplayName;

    /// <summary>Arms the caller-side timeout; <see cref="Timeout.InfiniteTimeSpan"/> arms nothing.</summary>
    public void StartTimeout(TimeSpan timeout, TimeProvider time)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        _timeoutValue = timeout;
        _timeout = time.CreateTimer(static state => ((GrainCall<T>)state!).OnTimeout(), this, timeout, Timeout.InfiniteTimeSpan);
        if (_completion.Task.IsCompleted)
        {
            _timeout.Dispose();
        }
    }

    public override async Task ExecuteAsync(Grain grain) =>
        _result = await GrainMethodInvoker<T>.InvokeAsync(method, grain, arguments);

    public override void Complete()
    {
        _completion.TrySetResult(_result);
        _timeout?.Dispose();
    }

    public override void Fail(Exception exception)
    {
        _completion.TrySetException(exception);
        _timeout?.Dispose();
    }

    private void OnTimeout()
    {
        var seconds = _timeoutValue.TotalSeconds;
        _completion.TrySetException(new GrainCallTimeoutException(
            $"The call {method.DisplayName} to grain {grainId} did not complete within {seconds:0.###} s (response timeout). " +
            "Its outcome is unknown: it may still be queued, running, or done with its reply lost."));
        _timeout?.Dispose();
    }
}
