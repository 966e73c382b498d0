namespace Duragent.Runtime;

/// <summary>
/// Maps each grain to its single activation (Orleans' IGrainDirectory semantics). The catalog registers an
/// activation before loading its state and unregisters it after deactivation. The local implementation covers
/// one silo; a cluster implementation (PostgreSQL lease rows) plugs in behind the same contract.
/// </summary>
public interface IGrainDirectory
{
    /// <summary>
    /// Registers <paramref name="address"/> unless the grain already has an activation. Returns the address that
    /// won: <paramref name="address"/> itself, or the existing registration (first writer wins, never overwritten).
    /// </summary>
    Task<GrainAddress> RegisterAsync(GrainAddress address, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the registration only if it is exactly <paramref name="address"/> (same silo and activation id).
    /// Returns false when another registration (or none) was found.
    /// </summary>
    Task<bool> UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default);

    /// <summary>The registered activation of <paramref name="grainId"/>, or null.</summary>
    Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default);
}
