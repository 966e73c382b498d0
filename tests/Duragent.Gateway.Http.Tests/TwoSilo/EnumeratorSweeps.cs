using System.Diagnostics;
using System.Reflection;
using Orleans.Runtime;

namespace Duragent.Gateway.Http.Tests.TwoSilo;

/// <summary>
/// Counts the sweeps of one grain's abandoned-enumerator clean-up: Orleans' <c>AsyncEnumerableGrainExtension</c>
/// (Orleans.Core 10.4.2) checks the grain's open <c>IAsyncEnumerable</c> enumerators once per response timeout and
/// disposes those not polled since the previous sweep. It reports each sweep on the diagnostic listener
/// <c>Orleans.Runtime.AsyncEnumerableGrainExtension</c> (event <c>OnEnumeratorCleanupCompleted</c>, the extension as
/// payload), which Orleans' own tests observe. A test can thus wait for sweeps instead of sleeping.
/// </summary>
internal sealed class EnumeratorSweeps : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    public const string ListenerName = "Orleans.Runtime.AsyncEnumerableGrainExtension";
    public const string SweepEvent = "OnEnumeratorCleanupCompleted";

    private readonly GrainId _grain;
    private readonly Lock _lock = new();
    private readonly List<IDisposable> _subscriptions = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly IDisposable _listeners;
    private int _count;

    public EnumeratorSweeps(GrainId grain)
    {
        _grain = grain;
        _listeners = DiagnosticListener.AllListeners.Subscribe(this);
    }

    /// <summary>Sweeps of the grain's enumerators seen so far.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Completes once <paramref name="count"/> sweeps were seen in all.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            if (_count >= count)
            {
                return;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
        }

        try
        {
            await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for sweep {count} of {_grain}'s enumerators ({ListenerName}/{SweepEvent}); saw {Count}.");
        }
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value.Name == ListenerName)
        {
            lock (_lock)
            {
                _subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        // The payload is the (internal) extension; its GrainContext says whose enumerators were swept.
        if (value.Key != SweepEvent || value.Value is not { } extension
            || extension.GetType().GetProperty("GrainContext", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(extension) is not IGrainContext context
            || !context.GrainId.Equals(_grain))
        {
            return;
        }

        lock (_lock)
        {
            _count++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_count >= _waiters[i].Count)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _listeners.Dispose();
        lock (_lock)
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }

            _subscriptions.Clear();
        }
    }
}
