using System.Runtime.InteropServices;

namespace Duragent.Cli.Repl;

/// <summary>
/// Ctrl-C (SIGINT) as a counted, awaitable signal instead of process termination, while the REPL runs. A signal
/// that arrives while nobody is waiting is not lost: a consumer waits for "more than the signals I have handled".
/// </summary>
internal sealed class InterruptSource : IDisposable
{
    private readonly Lock _lock = new();
    private readonly PosixSignalRegistration _registration;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _count;

    public InterruptSource()
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            Signal();
        });
    }

    /// <summary>Signals so far.</summary>
    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Completes once more than <paramref name="handled"/> signals have arrived (at once if they have).</summary>
    public Task WaitAsync(long handled)
    {
        lock (_lock)
        {
            return _count > handled ? Task.CompletedTask : _next.Task;
        }
    }

    /// <summary>Raises an interrupt (the signal handler, or tests).</summary>
    public void Signal()
    {
        TaskCompletionSource fired;
        lock (_lock)
        {
            _count++;
            fired = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        fired.TrySetResult();
    }

    public void Dispose() => _registration.Dispose();
}
