namespace Duragent.Runtime;

/// <summary>Where one activation of a grain lives: the grain, the silo hosting it and the activation's own id.</summary>
/// <param name="GrainId">The grain.</param>
/// <param name="SiloAddress">The hosting silo (see <see cref="ILocalSilo.Address"/>).</param>
/// <param name="ActivationId">Unique per activation, so that a stale activation cannot unregister a newer one.</param>
public sealed record GrainAddress(GrainId GrainId, string SiloAddress, string ActivationId);
