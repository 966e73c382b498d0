using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Duragent.Node;

/// <summary>
/// Places a grain on the silo its key names (a <see cref="SiloAddress.ToParsableString"/>), for grains that stand for
/// one silo process (<see cref="INodeGrain"/>). A key naming no live silo fails the call instead of placing the grain
/// elsewhere: asking a dead silo to stop must not stop another one.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("duragent.silo-keyed-placement")]
public sealed class SiloKeyedPlacement : PlacementStrategy
{
    public static SiloKeyedPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class for <see cref="SiloKeyedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloKeyedPlacementAttribute : PlacementAttribute
{
    public SiloKeyedPlacementAttribute()
        : base(SiloKeyedPlacement.Instance)
    {
    }
}

/// <summary>The director of <see cref="SiloKeyedPlacement"/>.</summary>
internal sealed class SiloKeyedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (string.Equals(silo.ToParsableString(), key, StringComparison.Ordinal))
            {
                return Task.FromResult(silo);
            }
        }

        throw new SiloUnavailableException($"No live silo of the cluster has the address '{key}'.");
    }
}
