namespace Duragent.Runtime;

/// <summary>Why an activation is being deactivated. Logged, and passed to <see cref="Grain.OnDeactivateAsync"/>.</summary>
public enum DeactivationReason
{
    None = 0,

    /// <summary>The silo is shutting down gracefully.</summary>
    ShuttingDown,

    /// <summary>Activation failed (state load or <see cref="Grain.OnActivateAsync"/> threw).</summary>
    ActivationFailed,

    /// <summary>The activation was idle longer than the collection age.</summary>
    ActivationIdle,

    /// <summary>A write found stale state (<see cref="InconsistentStateException"/>); the next call reloads.</summary>
    InconsistentState,

    /// <summary>The grain asked for it (<see cref="Grain.DeactivateOnIdle"/>).</summary>
    ApplicationRequested,

    /// <summary>Another silo owns this grain now (cluster directory).</summary>
    DirectoryFailure,

    /// <summary>The runtime asked for it (for example a test forcing deactivation).</summary>
    RuntimeRequested,
}
