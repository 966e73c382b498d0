namespace Duragent.FakeLlm;

/// <summary>
/// Holds scripted responses at a point of their stream until the test releases them, so a test can act while
/// responses are provably in flight (kill a process, dispose the server, cancel a call):
/// <code>
/// var gate = new FakeGate();
/// llm.Enqueue(FakeResponse.Text("a", "b", "c").WithGate(gate, afterChunks: 2));
/// // … start the call …
/// await gate.WaitReachedAsync(TimeSpan.FromSeconds(10));   // "a" and "b" were sent and flushed
/// gate.Release();                                          // or never, and abort instead
/// </code>
/// One gate may hold many responses (e.g. from a fallback): <see cref="WaitReachedAsync(int, TimeSpan)"/> waits for
/// a number of them.
/// </summary>
public sealed class FakeGate
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(int Count, TaskCompletionSource Waiter)> _waiters = [];
    private int _reached;

    /// <summary>How many responses have reached the gate.</summary>
    public int ReachedCount => Volatile.Read(ref _reached);

    /// <summary>True once a response has reached the gate.</summary>
    public bool IsReached => ReachedCount > 0;

    /// <summary>Completes when a response reaches the gate; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public Task WaitReachedAsync(TimeSpan timeout) => WaitReachedAsync(1, timeout);

    /// <summary>Completes when <paramref name="count"/> responses have reached the gate.</summary>
    public async Task WaitReachedAsync(int count, TimeSpan timeout)
    {
        TaskCompletionSource waiter;
        lock (_waiters)
        {
            if (_reached >= count)
            {
                return;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, waiter));
        }

        try
        {
            await waiter.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"FakeLlm: waited {timeout.TotalSeconds:0.###} s for {count} response(s) to reach the gate; {ReachedCount} did");
        }
    }

    /// <summary>Lets every response held at (or later reaching) the gate continue.</summary>
    public void Release() => _released.TrySetResult();

    internal async Task PassAsync(CancellationToken cancellationToken)
    {
        lock (_waiters)
        {
            _reached++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_reached >= _waiters[i].Count)
                {
                    _waiters[i].Waiter.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }

        await _released.Task.WaitAsync(cancellationToken);
    }
}
