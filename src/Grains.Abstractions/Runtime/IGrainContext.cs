namespace Duragent.Runtime;

/// <summary>
/// What the runtime offers one activation. Implemented by the silo; grains reach it through <see cref="Grain"/>.
/// </summary>
public interface IGrainContext
{
    /// <summary>The grain's identity.</summary>
    GrainId GrainId { get; }

    /// <summary>References to other grains (and to this one).</summary>
    IGrainFactory GrainFactory { get; }

    /// <summary>The silo's services.</summary>
    IServiceProvider Services { get; }

    /// <summary>Cancelled when this activation starts deactivating. Background work started by the grain should stop on it.</summary>
    CancellationToken Deactivating { get; }

    /// <summary>Deactivate after the current turn completes. Does not wait.</summary>
    void DeactivateOnIdle();

    /// <summary>
    /// Keep the activation alive for at least <paramref name="duration"/> past now, on top of the collection age.
    /// <see cref="TimeSpan.Zero"/> cancels an earlier delay; <see cref="Timeout.InfiniteTimeSpan"/> keeps it until cancelled.
    /// </summary>
    void DelayDeactivation(TimeSpan duration);

    /// <summary>
    /// Runs <paramref name="work"/> as a turn of this activation's mailbox, queued behind earlier calls like any
    /// other request. This is how background work (an LLM stream, a tool process) hands results back to the grain.
    /// With <paramref name="interleave"/> the turn may run between the awaits of a running call.
    /// </summary>
    Task RunTurnAsync(Func<Task> work, bool interleave = false);

    /// <summary>
    /// Registers an activation-scoped timer whose ticks are mailbox turns (never overlapping themselves).
    /// Timers die with the activation. Dispose the result to stop the timer.
    /// </summary>
    IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool interleave = false, bool keepAlive = false);

    /// <summary>Durable reminders of this grain (see <see cref="IRemindable"/>).</summary>
    IGrainReminders Reminders { get; }
}
