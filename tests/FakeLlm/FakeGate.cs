namespace Duragent.FakeLlm;

/// <summary>
/// Holds a scripted response at a point of its stream until the test releases it, so a test can act while a
/// response is provably in flight (kill a process, dispose the server, cancel a call):
/// <code>
/// var gate = new FakeGate();
/// llm.Enqueue(FakeResponse.Text("a", "b", "c").WithGate(gate, afterChunks: 2));
/// // … start the call …
/// await gate.WaitReachedAsync(TimeSpan.FromSeconds(10));   // "a" and "b" were sent and flushed
/// gate.Release();                                          // or never, and abort instead
/// </code>
/// </summary>
public sealed class FakeGate
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once a response has reached the gate.</summary>
    public bool IsReached => _reached.Task.IsCompleted;

    /// <summary>Completes when a response reaches the gate; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitReachedAsync(TimeSpan timeout)
    {
        try
        {
            await _reached.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"FakeLlm: no response reached the gate within {timeout.TotalSeconds:0.###} s");
        }
    }

    /// <summary>Lets every response held at (or later reaching) the gate continue.</summary>
    public void Release() => _released.TrySetResult();

    internal async Task PassAsync(CancellationToken cancellationToken)
    {
        _reached.TrySetResult();
        await _released.Task.WaitAsync(cancellationToken);
    }
}
