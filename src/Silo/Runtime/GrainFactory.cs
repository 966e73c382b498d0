using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Duragent.Runtime;

/// <summary>
/// Hands out grain references (<see cref="GrainReferenceProxy"/>). Creating a <see cref="DispatchProxy"/> goes through
/// reflection, so each interface gets one unbound prototype and references are copies of it.
/// </summary>
internal sealed class GrainFactory(Catalog catalog, GrainTypeRegistry registry) : IGrainFactory
{
    private readonly ConcurrentDictionary<Type, GrainReferenceProxy> _prototypes = new();

    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        GrainKey.Validate(key);
        var registration = registry.GetByInterface(typeof(TGrainInterface));
        var prototype = _prototypes.GetOrAdd(typeof(TGrainInterface), static (_, r) => CreatePrototype(r), registration);
        var reference = prototype.Clone();
        reference.Bind(catalog, registration, new GrainId(registration.GrainType, key));
        return (TGrainInterface)(object)reference;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Only registered grain interfaces get here, and AddGrain keeps all their members.")]
    private static GrainReferenceProxy CreatePrototype(GrainRegistration registration) =>
        (GrainReferenceProxy)DispatchProxy.Create(registration.InterfaceType, typeof(GrainReferenceProxy));
}
