using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Duragent.Runtime;

/// <summary>Hands out grain references (<see cref="GrainReferenceProxy"/>).</summary>
internal sealed class GrainFactory(Catalog catalog, GrainTypeRegistry registry) : IGrainFactory
{
    [UnconditionalSuppressMessage("Trimming", "IL2091", Justification = "Only registered grain interfaces get past GetByInterface, and AddGrain keeps all their members.")]
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        GrainKey.Validate(key);
        var registration = registry.GetByInterface(typeof(TGrainInterface));
        var reference = DispatchProxy.Create<TGrainInterface, GrainReferenceProxy>();
        ((GrainReferenceProxy)(object)reference!).Bind(catalog, registration, new GrainId(registration.GrainType, key));
        return reference;
    }
}
