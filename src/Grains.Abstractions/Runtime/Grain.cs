namespace Duragent.Runtime;

/// <summary>
/// Base class of grain implementations. The runtime creates the instance, loads its persistent state
/// (<see cref="PersistentStateAttribute"/>), sets the context and then calls <see cref="OnActivateAsync"/>
/// before the first request runs.
/// </summary>
public abstract class Grain
{
    private IGrainContext? _context;

    /// <summary>The runtime context of this activation.</summary>
    public IGrainContext GrainContext =>
        _context ?? throw new InvalidOperationException("The grain context is not set yet; do not use it in the constructor.");

    /// <summary>The grain's identity.</summary>
    public GrainId GrainId => GrainContext.GrainId;

    /// <summary>The grain's key.</summary>
    public string GrainKey => GrainContext.GrainId.Key;

    /// <summary>References to other grains.</summary>
    public IGrainFactory GrainFactory => GrainContext.GrainFactory;

    /// <summary>Called once after state is loaded and before the first request.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Called when the activation is deactivated (idle, shutdown, conflict). Best effort: a crash skips it, so
    /// correctness must never depend on it.
    /// </summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivate after the current turn completes.</summary>
    protected void DeactivateOnIdle() => GrainContext.DeactivateOnIdle();

    /// <summary>Keep the activation alive for at least <paramref name="duration"/> (see <see cref="IGrainContext.DelayDeactivation"/>).</summary>
    protected void DelayDeactivation(TimeSpan duration) => GrainContext.DelayDeactivation(duration);

    internal void SetContext(IGrainContext context)
    {
        if (_context is not null)
        {
            throw new InvalidOperationException("The grain context is already set.");
        }

        _context = context;
    }
}
