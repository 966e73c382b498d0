using System.Runtime.InteropServices;

namespace Duragent.Cli.Repl;

/// <summary>
/// Ctrl-C (SIGINT) as an awaitable signal instead of process termination, while the REPL runs. Each
/// <see cref="Next"/> task completes at the next Ctrl-C after it was taken.
/// </summary>
internal sealed class InterruptSource : IDisposable
{
    private readonly PosixSignalRegistration? _registration;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public InterruptSource(bool listen = true)
    {
        if (listen)
        {
            _registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
            {
                context.Cancel = true;
                Signal();
            });
        }
    }

    /// <summary>Completes at the next interrupt.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    /// <summary>Raises an interrupt (the signal handler, or tests).</summary>
    public void Signal() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public void Dispose() => _registration?.Dispose();
}
