using Microsoft.Extensions.Logging;

namespace Duragent.Runtime;

/// <summary>
/// An activation-scoped timer (<see cref="IGrainContext.RegisterTimer"/>). Each tick is a mailbox turn; the next tick
/// is scheduled only after the previous one completes, so ticks never overlap. Stops with the activation.
/// </summary>
internal sealed class GrainTimer : IDisposable
{
    private readonly ActivationData _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly TimeSpan _period;
    private readonly bool _interleave;
    private readonly bool _keepAlive;
    private readonly ITimer _timer;
    private volatile bool _stopped;

    public GrainTimer(ActivationData activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool interleave, bool keepAlive)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "The due time must be zero, positive or Timeout.InfiniteTimeSpan.");
        }

        if (period <= TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive, or Timeout.InfiniteTimeSpan for a one-shot timer.");
        }

        _activation = activation;
        _callback = callback;
        _period = period;
        _interleave = interleave;
        _keepAlive = keepAlive;
        _timer = activation.Time.CreateTimer(static s => ((GrainTimer)s!).OnDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Start(TimeSpan dueTime) => Change(dueTime);

    /// <summary>Stops the timer without touching the activation (used while the activation's lock is held).</summary>
    public void Stop()
    {
        _stopped = true;
        _timer.Dispose();
    }

    public void Dispose()
    {
        Stop();
        _activation.RemoveTimer(this);
    }

    private void OnDue()
    {
        if (!_stopped)
        {
            _activation.TryAccept(new Tick(this));
        }
    }

    private void Change(TimeSpan dueTime)
    {
        if (_stopped)
        {
            return;
        }

        try
        {
            _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Stopped concurrently.
        }
    }

    private async Task TickAsync()
    {
        try
        {
            await _callback(_activation.Deactivating);
        }
        finally
        {
            if (_period != Timeout.InfiniteTimeSpan)
            {
                Change(_period);
            }
        }
    }

    private sealed class Tick(GrainTimer timer)
        : WorkItem(isReadOnly: false, alwaysInterleave: timer._interleave, countsAsActivity: timer._keepAlive, isLocal: true)
    {
        private bool _started;

        public override string Description => "timer tick";

        public override Task ExecuteAsync(Grain grain)
        {
            _started = true;
            return timer.TickAsync();
        }

        public override void Complete()
        {
        }

        public override void Fail(Exception exception)
        {
            // A tick refused because the activation is going away is not an error.
            if (_started)
            {
                timer._activation.Logger.LogErrorTimerTickFailed(timer._activation.GrainId, exception);
            }
        }
    }
}
